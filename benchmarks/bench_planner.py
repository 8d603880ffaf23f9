"""Benchmark: the planner's what-if analysis of every single failure, and the whole HTML report.

For generated cities of 5 to 30 districts (18 wards each), prints:

- what-if: the full analysis of every single router and link failure (`single_failures`: the OSPF-area-aware
  sweep plus the mapping to sites and services), best and median of several runs on the loaded model; the
  graph part alone (articulation points and bridges per area); and two peers measured in the same run on
  the same graph: networkx's ``articulation_points`` + ``bridges`` (plain connectivity: no OSPF areas, no
  sites, no services: a floor, not the same answer) and the naive per-failure BFS giving the same answer as
  ours (`single_failures(naive=True)`);
- report: `netops report --out DIR` end to end in a fresh process (load, analyses, 31 graphviz diagrams, HTML,
  Markdown, CSV, writes), best and median, into an empty folder each time.

Run: `.venv/bin/python benchmarks/bench_planner.py [--runs N] [--districts 5 10 20 30]`.
"""

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from netops.analysis.topology import build_topology, single_failure_cuts  # noqa: E402
from netops.analysis.whatif import single_failures  # noqa: E402
from netops.pipeline import load_network  # noqa: E402


def timed(function: Callable[[], Any], runs: int) -> tuple[float, float, Any]:
    """Best and median wall time of ``runs`` calls, and the last result."""
    seconds, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = function()
        seconds.append(time.perf_counter() - start)
    return min(seconds), statistics.median(seconds), result


def networkx_peer(network: Any) -> int:
    """Articulation points and bridges of the routed graph with networkx (plain connectivity)."""
    import networkx as nx

    topology = build_topology(network)
    graph = nx.Graph()
    graph.add_nodes_from(range(topology.size))
    graph.add_edges_from(topology.link_ends)
    return len(list(nx.articulation_points(graph))) + len(list(nx.bridges(graph)))


def report_run(intent: Path, scratch: Path) -> float:
    output = Path(tempfile.mkdtemp(dir=scratch))
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "netops", "report", "--intent", str(intent), "--out", str(output)],
                   check=True, capture_output=True, cwd=ROOT)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--naive-runs", type=int, default=1, help="runs of the slow per-failure BFS peer")
    parser.add_argument("--districts", type=int, nargs="*", default=[5, 10, 20, 30])
    parser.add_argument("--wards-per-district", type=int, default=18)
    args = parser.parse_args()
    print(f"what-if of every single router and link failure, and the HTML report; {args.wards_per_district} wards "
          f"per district; best/median of {args.runs} runs (naive peer: {args.naive_runs})")
    header = (f"{'districts':>9} {'sites':>5} {'routers':>7} {'links':>5} {'failures':>8} | "
              f"{'what-if best':>12} {'median':>7} {'graph':>7} | {'networkx':>8} {'naive BFS':>9} | "
              f"{'report best':>11} {'median':>7}")
    print(header)
    print("-" * len(header))
    with tempfile.TemporaryDirectory() as scratch_name:
        scratch = Path(scratch_name)
        for districts in args.districts:
            intent = scratch / f"city-{districts}"
            subprocess.run([sys.executable, "-m", "netops", "generate-city", "--out", str(intent), "--districts",
                            str(districts), "--wards-per-district", str(args.wards_per_district), "--seed", "1"],
                           check=True, capture_output=True, cwd=ROOT)
            network = load_network(intent).network
            topology = build_topology(network)
            destination = topology.index["dc-core-01"]
            best, median, report = timed(lambda network=network: single_failures(network), args.runs)
            graph_best, _, _ = timed(lambda t=topology, d=destination: single_failure_cuts(t, d), args.runs)
            nx_best, _, _ = timed(lambda network=network: networkx_peer(network), args.runs)
            naive_best, _, naive = timed(lambda network=network: single_failures(network, naive=True),
                                         args.naive_runs)
            assert naive.impacts == report.impacts, "the fast sweep and the per-failure BFS disagree"
            reports = [report_run(intent, scratch) for _ in range(args.runs)]
            print(f"{districts:>9} {len(network.sites):>5} {topology.size:>7} {len(topology.links):>5} "
                  f"{topology.size + len(topology.links):>8} | {best:>11.3f}s {median:>6.3f}s {graph_best:>6.3f}s | "
                  f"{nx_best:>7.3f}s {naive_best:>8.2f}s | {min(reports):>10.2f}s {statistics.median(reports):>6.2f}s")


if __name__ == "__main__":
    main()
