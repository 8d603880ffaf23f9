"""Benchmark: render every device of generated cities of growing size (netops render).

For 5 to 30 districts of 18 wards (`netops generate-city`), in a fresh process per size, after loading
the city once: the render phase (contexts, capability checks, templates) in parallel (one worker per
core) and serially, best and median of several runs; writing the files (first write, then an
unchanged re-render); and the peer measured in the same process: a bare Jinja2 loop rendering the same
templates from the same contexts with no capability check, no outcome bookkeeping and no pool.
Run with `.venv/bin/python benchmarks/bench_render.py [--runs N] [--districts 5 10 20 30]`.
"""

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

_MEASURE = r"""
import json, statistics, sys, tempfile, time
from pathlib import Path
from netops.pipeline import load_network
from netops.render.capabilities import capability_table
from netops.render.design import CityDesign
from netops.render.engine import Job, default_workers, render_devices
from netops.render.environment import make_environment
from netops.render.output import write_rendered
from netops.render.settings import RenderSettings

intent, runs = Path(sys.argv[1]), int(sys.argv[2])
start = time.perf_counter()
network = load_network(intent).network
load_s = time.perf_counter() - start
names = [d.name for d in network.devices]
job = Job(network, RenderSettings(), (), None)

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
print(json.dumps({"devices": len(names), "files": files, "mb": size / 1e6, "load": load_s, "workers": default_workers(),
                  "parallel": parallel, "serial": serial, "peer": peer, "write": first_write, "rewrite": rewrite}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--districts", type=int, nargs="*", default=[5, 10, 20, 30])
    parser.add_argument("--wards-per-district", type=int, default=18)
    args = parser.parse_args()
    print(f"netops render, every device, {args.wards_per_district} wards per district; best/median of {args.runs} "
          "runs after one load; peer: bare Jinja2 loop over the same templates and contexts (no checks, no pool)")
    print(f"{'districts':>9} {'devices':>7} {'files':>6} {'MB':>5} | {'load s':>6} | {'parallel best':>13} "
          f"{'median':>6} | {'serial best':>11} {'median':>6} | {'peer best':>9} | {'write':>5} {'rewrite':>7}")
    netops = Path(sys.executable).parent / "netops"
    for districts in args.districts:
        with tempfile.TemporaryDirectory() as folder:
            subprocess.run([str(netops), "generate-city", "--out", folder, "--districts", str(districts),
                            "--wards-per-district", str(args.wards_per_district)], check=True, capture_output=True,
                           cwd=ROOT)
            completed = subprocess.run([sys.executable, "-c", _MEASURE, folder, str(args.runs)], capture_output=True,
                                       text=True, check=True, cwd=ROOT)
        r = json.loads(completed.stdout)
        print(f"{districts:>9} {r['devices']:>7} {r['files']:>6} {r['mb']:>5.1f} | {r['load']:>6.2f} | "
              f"{r['parallel']['best']:>11.2f} s {r['parallel']['median']:>6.2f} | {r['serial']['best']:>9.2f} s "
              f"{r['serial']['median']:>6.2f} | {r['peer']['best']:>7.2f} s | {r['write']:>5.2f} {r['rewrite']:>7.2f}"
              f"   ({r['workers']} workers)", flush=True)


if __name__ == "__main__":
    main()
