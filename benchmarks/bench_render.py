"""Benchmark: render every device of generated cities of growing size (netops render).

For 5 to 30 districts of 18 wards (`netops generate-city`), in a fresh process per size, after loading
the city once: the render phase (contexts, capability checks, templates) in parallel (one worker per
core) and serially, best and median of several runs; writing the files (first write, then an
unchanged re-render); and the peer measured in the same process: a bare Jinja2 loop rendering the same
templates from the same contexts with no capability check, no outcome bookkeeping and no pool.

The Ansible peer (issue 4): the same templates for the same hosts rendered by `ansible-playbook` with
`ansible.builtin.template`, one task per host looping over the platform's outputs, connection local, in the same
run. Its host variables are the netops contexts as plain data (addresses as strings, the context's derived port
lists spelled out), written as host_vars JSON before the clock starts (so building the contexts is not counted
against Ansible); its filters are the netops filter registry behind a filter plugin that turns address strings
back into addresses. Every file Ansible writes is compared with netops' text for the same host. Ansible is slow
per host, so it renders `--ansible-hosts` devices spread evenly over the sorted device list (every role and
platform), and the per-host figure is extrapolated to the whole city: the table says which it was.
Run with `.venv/bin/python benchmarks/bench_render.py [--runs N] [--districts 5 10 20 30] [--ansible-hosts N]`.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: The Ansible side: a filter plugin exposing netops' filters with address strings turned back into addresses.
_FILTER_PLUGIN = r"""
from ipaddress import ip_address, ip_interface, ip_network
from types import SimpleNamespace

from netops.design import build_design
from netops.render.filters import FILTERS


def _address(value):
    return ip_interface(value) if "/" in str(value) else ip_address(value)


def _network(value):
    return None if value is None else ip_network(value, strict=False)


def _entry(value):
    return SimpleNamespace(**{**value, "source": _network(value["source"]),
                              "destination": _network(value["destination"])})


_DECODE = {"ip": _address, "netmask": ip_interface, "wildcard": ip_interface, "network": ip_interface,
           "cidr": _address, "network_address": _network, "cisco_match": _network, "vrp_match": _network,
           "nft_match": _entry}


def _wrap(name, function):
    decode = _DECODE.get(name)
    if decode is None:
        return function
    return lambda value, *args: function(decode(value), *args)


class FilterModule:
    def filters(self):
        return {name: _wrap(name, function) for name, function in FILTERS.items()}
"""

_PLAYBOOK = """- name: Render the device configurations with ansible.builtin.template
  hosts: all
  gather_facts: false
  connection: local
  tasks:
    - name: Render each output of the platform
      ansible.builtin.template:
        src: "{{ item.template | replace('/', '__') }}"
        dest: "{{ peer_out }}/{{ inventory_hostname }}.{{ item.suffix }}"
        mode: "0644"
      loop: "{{ netops_outputs }}"
"""

_MEASURE = r"""
import json, statistics, sys, tempfile, time
from pathlib import Path
from netops.pipeline import load_network
from netops.render.capabilities import capability_table
from netops.render.design import CityDesign
from netops.render.engine import Job, default_workers, render_devices
from netops.design import build_design
from netops.render.environment import make_environment
from netops.render.output import write_rendered
from netops.render.settings import RenderSettings

intent, runs, peer_dir, peer_hosts = Path(sys.argv[1]), int(sys.argv[2]), Path(sys.argv[3]), int(sys.argv[4])
start = time.perf_counter()
network = load_network(intent).network
load_s = time.perf_counter() - start
names = [d.name for d in network.devices]
job = Job(build_design(network, RenderSettings()), (), None)

def timed(function):
    seconds = []
    for _ in range(runs):
        start = time.perf_counter()
        result = function()
        seconds.append(time.perf_counter() - start)
    return {"best": min(seconds), "median": statistics.median(seconds)}, result

def bare_loop():
    design = CityDesign(network, RenderSettings())
    environment = make_environment()
    table = capability_table()
    files = 0
    for device in network.devices:
        context = design.context(device)
        for template in table[device.platform].outputs.values():
            text = environment.get_template(template).render(device=context)
            files += bool(text.strip())
    return files

parallel, outcome = timed(lambda: render_devices(job, names))
serial, _ = timed(lambda: render_devices(job, names, workers=1))
peer, _ = timed(bare_loop)
assert not outcome.gaps and not outcome.failures
with tempfile.TemporaryDirectory() as out:
    start = time.perf_counter()
    write_rendered(Path(out), outcome.rendered, set(names))
    first_write = time.perf_counter() - start
    start = time.perf_counter()
    report = write_rendered(Path(out), outcome.rendered, set(names))
    rewrite = time.perf_counter() - start
    assert len(report.unchanged) == len(names)
files = sum(len(r.files) for r in outcome.rendered)
size = sum(len(t) for r in outcome.rendered for t in r.files.values())

# The Ansible peer's input: the contexts as plain data, one host_vars file per sampled host; netops' text to
# compare its output with.
import dataclasses, enum, ipaddress
from pydantic import BaseModel

def plain(value):
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        data = {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
        for name, member in vars(type(value)).items():
            if isinstance(member, property):
                data[name] = plain(getattr(value, name))
        return data
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (ipaddress.IPv4Address, ipaddress.IPv4Interface, ipaddress.IPv4Network)):
        return str(value)
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    if isinstance(value, dict):
        return {str(key): plain(item) for key, item in value.items()}
    return value

ordered = sorted(names)
step = max(1, len(ordered) // peer_hosts) if peer_hosts else 0
sample = ordered[::step][:peer_hosts] if peer_hosts else []
design, table = CityDesign(network, RenderSettings()), capability_table()
(peer_dir / "host_vars").mkdir(parents=True)
for name in sample:
    device = network.device_by_name[name]
    outputs = [{"suffix": suffix, "template": template} for suffix, template in table[device.platform].outputs.items()]
    (peer_dir / "host_vars" / f"{name}.json").write_text(json.dumps(
        {"device": plain(design.context(device)), "netops_outputs": outputs}))
(peer_dir / "hosts.yml").write_text(json.dumps({"all": {"hosts": {name: None for name in sample}}}))
chosen = set(sample)
texts = {f"{r.device}.{suffix}": text
         for r in outcome.rendered if r.device in chosen for suffix, text in r.files.items()}
(peer_dir / "expected.json").write_text(json.dumps(texts))
print(json.dumps({"devices": len(names), "files": files, "mb": size / 1e6, "load": load_s, "workers": default_workers(),
                  "parallel": parallel, "serial": serial, "peer": peer, "write": first_write, "rewrite": rewrite,
                  "sample": len(sample)}))
"""


def ansible_peer(peer_dir: Path, forks: int) -> dict[str, float | int]:
    """Run the playbook over the sampled hosts; the wall time, and how its files compare with netops'."""
    import time

    (peer_dir / "filter_plugins").mkdir()
    (peer_dir / "filter_plugins" / "netops_filters.py").write_text(_FILTER_PLUGIN)
    # The templates themselves, found through the playbook's templates/ folder; each output is rendered through a
    # one-line wrapper asking Ansible for netops' Jinja2 settings (Ansible drops the trailing newline of every
    # included template unless keep_trailing_newline is set, and lstrip_blocks is off by default).
    templates = peer_dir / "templates"
    templates.mkdir()
    for platform in (ROOT / "netops" / "templates").iterdir():
        (templates / platform.name).symlink_to(platform)
        for template in platform.glob("*.j2"):
            (templates / f"{platform.name}__{template.name}").write_text(
                "#jinja2: keep_trailing_newline: True, lstrip_blocks: True, trim_blocks: True\n"
                f"{{% include '{platform.name}/{template.name}' %}}")
    (peer_dir / "render.yml").write_text(_PLAYBOOK)
    (peer_dir / "ansible.cfg").write_text(
        f"[defaults]\nforks = {forks}\nfilter_plugins = {peer_dir / 'filter_plugins'}\nhost_key_checking = False\n"
        f"interpreter_python = {sys.executable}\nstdout_callback = default\n[inventory]\nenable_plugins = yaml\n")
    out = peer_dir / "out"
    out.mkdir()
    playbook = Path(sys.executable).parent / "ansible-playbook"
    env = {key: value for key, value in os.environ.items() if not key.startswith("ANSIBLE_")}
    env |= {"ANSIBLE_CONFIG": str(peer_dir / "ansible.cfg"), "PYTHONPATH": str(ROOT)}
    began = time.perf_counter()
    done = subprocess.run([str(playbook), "-i", str(peer_dir / "hosts.yml"), str(peer_dir / "render.yml"),
                           "-e", f"peer_out={out}"], cwd=peer_dir, env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - began
    if done.returncode != 0:
        sys.exit(f"ansible-playbook failed:\n{done.stdout[-4000:]}{done.stderr[-2000:]}")
    expected: dict[str, str] = json.loads((peer_dir / "expected.json").read_text())
    written = {path.name: path.read_text() for path in out.iterdir()}
    same = sum(1 for name, text in expected.items() if written.get(name) == text)
    extra_empty = sum(1 for name, text in written.items() if name not in expected and not text.strip())
    return {"seconds": seconds, "files": len(expected), "same": same, "empty_extra": extra_empty,
            "other": len(written) - len(expected) - extra_empty}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--districts", type=int, nargs="*", default=[5, 10, 20, 30])
    parser.add_argument("--wards-per-district", type=int, default=18)
    parser.add_argument("--ansible-hosts", type=int, default=200,
                        help="devices the ansible-playbook peer renders (spread over the city; 0: no Ansible peer); "
                             "the whole city when it has no more devices than this")
    parser.add_argument("--ansible-forks", type=int, default=5, help="ansible-playbook --forks (Ansible's default: 5)")
    args = parser.parse_args()
    print(f"netops render, every device, {args.wards_per_district} wards per district; best/median of {args.runs} "
          "runs after one load; peer: bare Jinja2 loop over the same templates and contexts (no checks, no pool)")
    print(f"{'districts':>9} {'devices':>7} {'files':>6} {'MB':>5} | {'load s':>6} | {'parallel best':>13} "
          f"{'median':>6} | {'serial best':>11} {'median':>6} | {'peer best':>9} | {'write':>5} {'rewrite':>7} | "
          f"{'ansible-playbook':>16} {'hosts':>5} {'ms/host':>7} {'whole city':>10} {'x netops':>8} {'same files':>10}")
    netops = Path(sys.executable).parent / "netops"
    for districts in args.districts:
        with tempfile.TemporaryDirectory() as folder:
            subprocess.run([str(netops), "generate-city", "--out", folder, "--districts", str(districts),
                            "--wards-per-district", str(args.wards_per_district)], check=True, capture_output=True,
                           cwd=ROOT)
            peer_dir = Path(folder) / "ansible-peer"
            completed = subprocess.run([sys.executable, "-c", _MEASURE, folder, str(args.runs), str(peer_dir),
                                        str(args.ansible_hosts)], capture_output=True, text=True, check=True, cwd=ROOT)
            r = json.loads(completed.stdout)
            ansible = ansible_peer(peer_dir, args.ansible_forks) if r["sample"] else None
        netops_s = r["parallel"]["best"] + r["write"]
        peer_text = "no Ansible peer"
        if ansible:
            per_host = ansible["seconds"] / r["sample"]
            whole = per_host * r["devices"]
            kind = "measured" if r["sample"] == r["devices"] else "extrapolated"
            peer_text = (f"{ansible['seconds']:>14.1f} s {r['sample']:>5} {per_host * 1000:>7.0f} {whole:>8.0f} s "
                         f"{whole / netops_s:>7.0f}x {ansible['same']:>4}/{ansible['files']:<5} ({kind}"
                         + (f"; {ansible['empty_extra']} empty outputs netops skips" if ansible["empty_extra"] else "")
                         + (f"; {ansible['other']} OTHER FILES" if ansible["other"] else "") + ")")
        print(f"{districts:>9} {r['devices']:>7} {r['files']:>6} {r['mb']:>5.1f} | {r['load']:>6.2f} | "
              f"{r['parallel']['best']:>11.2f} s {r['parallel']['median']:>6.2f} | {r['serial']['best']:>9.2f} s "
              f"{r['serial']['median']:>6.2f} | {r['peer']['best']:>7.2f} s | {r['write']:>5.2f} "
              f"{r['rewrite']:>7.2f} | {peer_text}   ({r['workers']} workers)", flush=True)


if __name__ == "__main__":
    main()
