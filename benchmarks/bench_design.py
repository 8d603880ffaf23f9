"""Benchmark: the design-rule analysis (`netops analyze design`) of generated cities, against its exact peer.

For generated cities of 5 to 30 districts (18 wards each), prints the best and median time of
`evaluate_design` on the loaded model: every rule of the city's `design:` judged (max_sites_cut over the
redundancy-aware what-if sweep of every single router and link failure, dual_homed, providers,
first_hop_redundancy, ha_pair), accepted risks matched, and the failures that still cut sites listed. The peer,
measured in the same run, is the same evaluation with the what-if made by one reachability run per failure and
per service group (`evaluate_design(naive=True)`); the benchmark asserts both give the same rules, breaks and
failures.

A generated city without `design:` rules is judged by the sample city's (inventory/city/city.yml): the rules a
planner sets do not depend on the city's size.

Run: `.venv/bin/python benchmarks/bench_design.py [--runs N] [--districts 5 10 20 30]`.
"""

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench_planner import timed  # noqa: E402  (benchmarks/ is on sys.path when run as a script)

from citynet_models.network import Network  # noqa: E402
from netops.analysis.design import evaluate_design  # noqa: E402
from netops.pipeline import load_network  # noqa: E402


def with_rules_of(network: Network, sample: Network) -> Network:
    """The network judged by the sample's design rules when it has none of its own."""
    if network.design.rules:
        return network
    values = {name: getattr(network, name) for name in Network.model_fields}
    return Network.model_construct(**{**values, "design": sample.design})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--naive-runs", type=int, default=1, help="runs of the per-failure peer")
    parser.add_argument("--districts", type=int, nargs="*", default=[5, 10, 20, 30])
    parser.add_argument("--wards-per-district", type=int, default=18)
    args = parser.parse_args()
    sample = load_network(ROOT / "inventory" / "city").running
    print(f"design rules of every generated city; {args.wards_per_district} wards per district; best/median of "
          f"{args.runs} runs (per-failure peer: {args.naive_runs})")
    header = (f"{'districts':>9} {'sites':>5} {'routers':>7} {'links':>5} {'rules':>5} {'own':>3} "
              f"{'VRRP LANs':>9} {'pairs':>5} | {'design best':>11} {'median':>7} | {'peer':>8} | verdicts")
    print(header)
    print("-" * len(header))
    with tempfile.TemporaryDirectory() as scratch_name:
        scratch = Path(scratch_name)
        for districts in args.districts:
            intent = scratch / f"city-{districts}"
            subprocess.run([sys.executable, "-m", "netops", "generate-city", "--out", str(intent), "--districts",
                            str(districts), "--wards-per-district", str(args.wards_per_district), "--seed", "1"],
                           check=True, capture_output=True, cwd=ROOT)
            loaded = load_network(intent).running
            network = with_rules_of(loaded, sample)
            best, median, report = timed(lambda network=network: evaluate_design(network), args.runs)
            naive_best, _, naive = timed(lambda network=network: evaluate_design(network, naive=True),
                                         args.naive_runs)
            assert (naive.rules, naive.failures) == (report.rules, report.failures), \
                "the Tarjan sweep and the per-failure peer disagree"
            routers = sum(1 for d in network.devices if d.is_router)
            vrrp = sum(1 for s in network.sites for lan in s.lans if lan.redundancy is not None)
            verdicts = ", ".join(f"{r.rule}={r.status}" for r in report.rules)
            print(f"{districts:>9} {len(network.sites):>5} {routers:>7} {len(network.links):>5} "
                  f"{len(network.design.rules):>5} {'yes' if loaded.design.rules else 'no':>3} {vrrp:>9} "
                  f"{len(network.ha_pairs):>5} | {best:>10.3f}s {median:>6.3f}s | {naive_best:>7.2f}s | {verdicts}")


if __name__ == "__main__":
    main()
