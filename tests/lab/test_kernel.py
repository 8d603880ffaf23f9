"""The host neighbour table limits the lab raises (logic on a folder standing in for /proc/sys; the real limits
after a real `up` are checked in test_lab_lifecycle)."""

from pathlib import Path

from netops.lab.kernel import neighbour_limits, raise_neighbour_limits
from netops.lab.topology import plan_lab
from netops.pipeline import load_network
from tests.lab.helpers import CITY


def test_the_limits_grow_with_the_lab_and_never_fall_below_the_kernel_defaults() -> None:
    assert neighbour_limits(10) == {"gc_thresh1": 256, "gc_thresh2": 512, "gc_thresh3": 1024}
    big = neighbour_limits(1348)  # 396 routers with their LAN hosts and data-center hosts
    assert big["gc_thresh3"] >= 8 * 1348 and big["gc_thresh1"] < big["gc_thresh2"] < big["gc_thresh3"]


def test_low_limits_are_raised_and_higher_ones_left_alone(tmp_path: Path) -> None:
    plan = plan_lab(load_network(CITY).network, [])
    wanted = neighbour_limits(len(plan.namespaces()))
    for name, value in {"gc_thresh1": 128, "gc_thresh2": 100, "gc_thresh3": 10**6}.items():
        (tmp_path / name).write_text(f"{value}\n")
    raised = raise_neighbour_limits(plan, tmp_path)
    assert raised == {"gc_thresh1": (128, wanted["gc_thresh1"]), "gc_thresh2": (100, wanted["gc_thresh2"])}
    assert (tmp_path / "gc_thresh3").read_text() == f"{10**6}\n"
    assert raise_neighbour_limits(plan, tmp_path) == {}  # a second up changes nothing
