"""Benchmark: roll one new site out to verified in a running lab (issue 16), against provisioning and verifying
the whole lab.

For each city (the sample city `inventory/city`, whole; a city from `netops generate-city --districts D
--wards-per-district W`, copied to a work folder: the committed intent is never changed), as root, holding the
machine-wide lab lock, with a NetBox of its own (its own NETOPS_NETBOX_HOME and ports, reset per city):

- setup, not timed as a result: the city applied to NetBox (`netops apply`), `netops lab up` (bootstrap routers),
  `provision.yml` over the whole lab (the baseline: the city running as the intent says);
- the rollout, `--runs N` times, each on a fresh new site: the site added to the intent (`netops site add` in a
  2025 intent; in a generated legacy city, a party agency written into a district file by hand, as
  tests/rollout/sites.py does), then `netops rollout SLUG --to verified` timed as a whole process, with its
  per-step times from its progress lines (staged, provisioned and, inside it, provision.yml; verified), the
  routers it touches and those it pushed (compare_config found a difference);
- the peer, measured in the same run on the same lab: what an engineer does without the rollout command, for
  one more new site added the same way (its router brought into the lab by `netops lab up`, not timed as the
  peer: a real site's router is already there), `provision.yml` over the whole lab, then `netops verify` of the
  whole lab.

Prints a table (min/median/max over the runs), then the figures as JSON (`--json-out FILE` writes them too).
Run as root: `.venv/bin/python benchmarks/bench_rollout.py [--cities sample 3x5] [--runs N] [--skip-peer]`.
"""

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from bench_provision import generated, lab_workdirs, recap  # benchmarks/ is on sys.path as a script

from netops.lab.lab import Lab
from netops.lab.state import LabHome

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # the test suite's NetBox server helper
from tests.netbox.support import netbox_server  # noqa: E402

BIN = REPO / ".venv" / "bin"
#: This benchmark's NetBox: a state directory and ports of its own (the tests' servers use 1885x/2546x/6385x).
NETBOX_ENV = {
    "NETOPS_NETBOX_HOME": str(REPO / "var" / "netbox-bench-rollout"),
    "NETOPS_NETBOX_PORT": "18871",
    "NETOPS_NETBOX_PG_PORT": "25489",
    "NETOPS_NETBOX_REDIS_PORT": "63879",
}
#: The sample city's new public-service points, one per run: (unit of today's Hà Nội, place naming the point).
#: A unit holds four sites at the most, so each run takes another unit; all hang off dong-anh-agg-01.
SAMPLE_SITES = (("00454", "Vân Nội"), ("00493", "Nam Hồng"), ("00466", "Vân Hà"), ("00475", "Thụy Lâm"),
                ("00508", "Đại Mạch"))
#: A legacy intent has no allocation record: the hub's ports follow the order of its sites, so a site of an
#: existing ward would move the ports (and cables) of the sites after it, which staging never deletes. The new
#: sites go into new wards whose codes sort last (each added with its first site), one number per run.
#: (Number 0 would sort before the ward's other sites: it is left out.)
GENERATED_KEYS = (("09990", 1), ("09990", 2), ("09990", 3), ("09991", 1), ("09991", 2))
GENERATED_FILE = Path("districts") / "001-quan-ba-dinh.yml"
GENERATED_HUB = "ba-dinh-agg-01"
PROGRESS = re.compile(r"^\[\s*([\d.]+) s\] (.*)$")


def run(command: list[str], env: dict[str, str], log: Path) -> tuple[float, subprocess.CompletedProcess[str]]:
    """Wall seconds and the finished process (its output also written to `log`); a failure stops the benchmark."""
    started = time.monotonic()
    done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, check=False)
    seconds = time.monotonic() - started
    log.write_text(done.stdout + done.stderr, encoding="utf-8")
    if done.returncode != 0:
        sys.exit(f"{' '.join(command[:3])} ... failed (exit {done.returncode}); see {log}\n"
                 + (done.stdout + done.stderr)[-3000:])
    return seconds, done


def sample_site(intent: Path, index: int, env: dict[str, str], log: Path) -> str:
    """A public-service point of a unit of Cụm Đông Anh added with `netops site add`; its slug."""
    unit, place = SAMPLE_SITES[index]
    _, done = run([str(BIN / "netops"), "site", "add", unit, "--kind", "public_service_point", "--place", place,
                   "--intent", str(intent), "--json"], env, log)
    return str(json.loads(done.stdout)["site"]["slug"])


def generated_site(intent: Path, index: int, env: dict[str, str], log: Path) -> str:
    """A party agency of a new ward of district 001 appended to its file (a legacy intent has no `site add`);
    its slug, as the loader derives it from the name."""
    ward, number = GENERATED_KEYS[index]
    path = intent / GENERATED_FILE
    text = path.read_text(encoding="utf-8")
    if f"code: '{ward}'" not in text:
        entry = f"- code: '{ward}'\n  name: Phường Thử Nghiệm {ward[-1]}\n  kind: phuong\n"
        text = text.replace("\nsites:\n", f"\n{entry}sites:\n", 1)
    path.write_text(text + ("" if text.endswith("\n") else "\n") + f"""\
- name: Chi bộ cơ sở số {index + 1} ({ward})
  kind: party_agency
  ward: '{ward}'
  number: {number}
  status: planned
  devices:
  - role: access_router
    uplinks:
    - to: {GENERATED_HUB}
      provider: vnpt
      circuit_id: VNPT-HNI-BENCH-{index + 1:04d}
      bandwidth_mbps: 50
  lans:
  - role: staff
    hosts: 10
""", encoding="utf-8")
    run([str(BIN / "netops"), "validate", "--intent", str(intent)], env, log)
    return f"chi-bo-co-so-so-{index + 1}-{ward}"


def progress_lines(stderr: str) -> list[tuple[float, str]]:
    """(seconds since the command started, message) of each progress line of `netops rollout`."""
    return [(float(m.group(1)), m.group(2)) for m in map(PROGRESS.match, stderr.splitlines()) if m]


def rollout_figures(seconds: float, stderr: str) -> dict[str, object]:
    """The rollout's steps from its progress lines: staged (NetBox), provisioned (lab up onto the running lab,
    compare_config, provision.yml --limit, the pushed routers' adjacencies awaited), verified (with the ledger,
    status and NetBox journal writes of provisioned and verified); the touched and the pushed routers."""
    lines = progress_lines(stderr)

    def at(prefix: str) -> float:
        return next(t for t, message in lines if message.startswith(prefix))

    touched = next(m.split("touches ", 1)[1] for _, m in lines if "touches " in m).split(", ")
    compare = next(m for _, m in lines if m.startswith("compare_config:"))
    pushed = re.search(r"\((.*)\)$", compare)
    pushing = pushed is not None
    return {
        "total_s": round(seconds, 1),
        # outside the command's progress clock: interpreter start, imports, the intent loaded and checked
        "process_s": round(seconds - lines[-1][0], 1),
        "staged_s": round(at("provisioned: running") - at("staged: running"), 1),
        "provisioned_s": round(at("verified: running") - at("provisioned: running"), 1),
        "compare_config_s": round(at("compare_config:") - at("provisioned: running"), 1),
        "provision_yml_s": round(at("provision.yml done") - at("provision.yml --limit"), 1) if pushing else 0.0,
        "adjacencies_s": round(at("adjacencies of the pushed") - at("provision.yml done"), 1) if pushing else 0.0,
        "verified_s": round(lines[-1][0] - at("verified: running"), 1),
        "touched": touched,
        "pushed": pushed.group(1).split(", ") if pushed else [],
    }


def bench_city(name: str, intent: Path, work: Path, netbox: dict[str, str], runs: int,
               peer: bool) -> dict[str, object]:
    """Setup, the rollouts and the peer on one city's lab; the lab is brought down whatever happens."""
    home = LabHome(work / "lab")
    env = {**netbox, "NETOPS_LAB_HOME": str(home.path), "NETOPS_INTENT": str(intent), "NETOPS_SOURCE": "intent",
           "PATH": f"{BIN}:{os.environ['PATH']}", "ANSIBLE_FORCE_COLOR": "0"}
    inventory = work / "inventory" / "netops.yml"
    inventory.parent.mkdir(parents=True)
    # The checkout's settings for the lab, beside this inventory as beside inventory/netops.yml.
    (inventory.parent / "group_vars").symlink_to(REPO / "inventory" / "group_vars")
    inventory.write_text(f"plugin: citynet.netops.netops\nsource: intent\nintent: {intent}\n"
                         f"configs: {work / 'configs'}\n")
    add_site: Callable[[Path, int, dict[str, str], Path], str] = sample_site if name == "sample" else generated_site
    figures: dict[str, object] = {"city": name}
    setup: dict[str, float] = {}
    try:
        setup["netbox apply"], _ = run([str(BIN / "netops"), "apply", "--intent", str(intent)], env,
                                       work / "apply.log")
        setup["lab up"], _ = run([str(BIN / "netops"), "lab", "up", "--intent", str(intent)], env, work / "up.log")
        for line in home.secrets_file.read_text().splitlines():  # the render secrets the routers are pushed with
            key, _, value = line.partition("=")
            env[key] = value

        def playbook(log: str, *extra: str) -> tuple[float, dict[str, int]]:
            plan = Lab(home).plan()
            assert plan is not None
            routers = sorted(r.device for r in plan.routers if r.runs_frr)
            seconds, done = run([str(BIN / "ansible-playbook"), "-i", str(inventory), "playbooks/provision.yml",
                                 "--limit", ",".join([*routers, "localhost"]),
                                 "-e", f"provision_configs={work / 'configs'}", *extra], env, work / log)
            return seconds, recap(done.stdout)

        setup["provision (baseline)"], _ = playbook("provision-baseline.log")
        plan = Lab(home).plan()
        assert plan is not None
        figures["lab routers"] = len(plan.frr_routers())
        rollouts = []
        for index in range(runs):
            slug = add_site(intent, index, env, work / f"site-{index}.log")
            seconds, done = run([str(BIN / "netops"), "rollout", slug, "--intent", str(intent), "--to", "verified"],
                                env, work / f"rollout-{index}.log")
            rollouts.append({"site": slug, **rollout_figures(seconds, done.stderr)})
            print(f"{name} run {index + 1}: {json.dumps(rollouts[-1], ensure_ascii=False)}", file=sys.stderr,
                  flush=True)
        figures["rollouts"] = rollouts
        if peer:  # one more new site, put in as an engineer would without the rollout command
            add_site(intent, runs, env, work / "site-peer.log")
            setup["lab up (the peer's site)"], _ = run([str(BIN / "netops"), "lab", "up", "--intent", str(intent)],
                                                       env, work / "up-peer.log")
            seconds, totals = playbook("provision-peer.log")
            plan = Lab(home).plan()
            assert plan is not None
            routers = sorted(r.device for r in plan.routers if r.runs_frr)
            verify_s, done = run([str(BIN / "netops"), "verify", "--json", "--limit", ",".join(routers)], env,
                                 work / "verify-peer.log")
            figures["peer"] = {"provision_yml_s": round(seconds, 1), "changed": totals.get("changed", 0),
                               "netops_verify_s": round(verify_s, 1), "total_s": round(seconds + verify_s, 1),
                               "routers": len(routers), "sites": len(json.loads(done.stdout)["sites"])}
    finally:
        started = time.monotonic()
        subprocess.run([str(BIN / "netops"), "lab", "down", "--yes"], cwd=REPO, env=env, capture_output=True,
                       check=False)
        setup["lab down"] = time.monotonic() - started
    figures["setup_s"] = {key: round(value, 1) for key, value in setup.items()}
    return figures


def spread(values: list[float]) -> str:
    """min / median / max, or the one value."""
    if len(values) == 1:
        return f"{values[0]:.1f}"
    return f"{min(values):.1f} / {statistics.median(values):.1f} / {max(values):.1f}"


def table(results: list[dict[str, object]]) -> str:
    """The figures as a Markdown table (seconds; min / median / max over the runs)."""
    columns = ("total_s", "process_s", "staged_s", "provisioned_s", "compare_config_s", "provision_yml_s",
               "adjacencies_s", "verified_s")
    head = ("| city | lab routers | runs | touched / pushed | rollout to verified | process | staged | provisioned "
            "| of it compare_config | of it provision.yml | of it adjacencies | verified "
            "| peer: provision.yml + netops verify (whole lab) |")
    rows = [head, "|---|" + "---:|" * 2 + "---|" + "---:|" * 9]
    for figures in results:
        rollouts = figures["rollouts"]
        assert isinstance(rollouts, list)
        cells = [spread([float(r[key]) for r in rollouts]) + " s" for key in columns]
        touched = sorted({f"{len(r['touched'])} / {len(r['pushed'])}" for r in rollouts})
        peer = figures.get("peer")
        peer_cell = (f"{peer['total_s']} s ({peer['provision_yml_s']} + {peer['netops_verify_s']} s, "
                     f"changed={peer['changed']})" if isinstance(peer, dict) else "-")
        rows.append(f"| {figures['city']} | {figures['lab routers']} | {len(rollouts)} | {', '.join(touched)} | "
                    + " | ".join(cells) + f" | {peer_cell} |")
    return "\n".join(rows)


def main() -> None:
    """Measure each city, print the table and the figures."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--cities", nargs="+", default=["sample", "3x5"],
                        help="sample (inventory/city) or DxW (generate-city districts x wards per district)")
    parser.add_argument("--runs", type=int, default=1, choices=range(1, min(len(SAMPLE_SITES), len(GENERATED_KEYS))),
                        help="rollouts per city, each of a fresh new site (default 1; the peer takes one more)")
    parser.add_argument("--skip-peer", action="store_true", help="leave out the whole-lab provision and verify")
    parser.add_argument("--json-out", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    results: list[dict[str, object]] = []
    base = {key: value for key, value in os.environ.items() if not key.startswith(("NETBOX_", "NETOPS_"))}
    for city, work in lab_workdirs(args.cities, "netops-rollout-bench-"):
        if city == "sample":  # a copy: the new sites go into it
            intent = work / "city"
            shutil.copytree(REPO / "inventory" / "city", intent)
        else:
            intent = generated(city, work)
        load = os.getloadavg()
        for netbox in netbox_server(NETBOX_ENV, base, command="reset"):
            figures = bench_city(city, intent, work, netbox, args.runs, not args.skip_peer)
        figures["load average before, after"] = [round(load[0], 1), round(os.getloadavg()[0], 1)]
        results.append(figures)
        print(f"{city}: {json.dumps(figures, ensure_ascii=False)}", file=sys.stderr, flush=True)
    print(table(results))
    text = json.dumps({"cores": os.cpu_count(), "cities": results}, ensure_ascii=False, indent=1)
    print(text)
    if args.json_out:
        args.json_out.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
