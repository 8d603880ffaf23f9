"""The host neighbour table limits the lab raises and the page merging it starts (logic on a folder standing in
for /proc/sys; the real limits after a real `up` are checked in test_lab_lifecycle)."""

import subprocess
import sys
from pathlib import Path

from netops.lab.kernel import (
    KSM_SETTINGS,
    ksm_available,
    neighbour_limits,
    page_merging_changes,
    raise_neighbour_limits,
    restore_settings,
    start_page_merging,
)
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


def _ksm_folder(tmp_path: Path, run: str = "0", mode: str = "none [scan-time]") -> Path:
    values = {"run": run, "advisor_mode": mode, "pages_to_scan": "100", "sleep_millisecs": "20"}
    for name, value in values.items():
        (tmp_path / name).write_text(f"{value}\n")
    return tmp_path


def test_ksmd_is_started_with_the_lab_settings_and_the_values_before_are_given_back(tmp_path: Path) -> None:
    folder = _ksm_folder(tmp_path)
    before = page_merging_changes(folder)
    assert before == {str(folder / "run"): "0", str(folder / "advisor_mode"): "scan-time",
                      str(folder / "pages_to_scan"): "100"}
    start_page_merging(folder)
    assert {name: (folder / name).read_text().strip() for name in KSM_SETTINGS} == KSM_SETTINGS
    assert page_merging_changes(folder) == {}  # a second up changes nothing and records nothing
    assert restore_settings(before)[-1] == str(folder / "run")  # ksmd's switch is put back last
    assert (folder / "run").read_text() == "0\n" and (folder / "advisor_mode").read_text() == "scan-time\n"


def test_a_kernel_without_page_merging_is_left_alone(tmp_path: Path) -> None:
    assert not ksm_available(tmp_path)
    assert page_merging_changes(tmp_path) == {}
    start_page_merging(tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_the_lab_daemons_are_started_without_address_randomisation_and_mergeable() -> None:
    # A child of this process inherits both: what `up` relies on for every daemon it starts.
    code = ("from netops.lab.kernel import share_identical_pages; import subprocess; share_identical_pages(); "
            "print(subprocess.run(['cat', '/proc/self/personality', '/proc/self/ksm_stat'], capture_output=True, "
            "text=True).stdout)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    personality, *ksm = result.stdout.split("\n")
    assert int(personality, 16) & 0x0040000
    if Path("/proc/self/ksm_stat").exists():  # kernels from 6.1 on say whether a process's pages may merge
        assert "ksm_merge_any: yes" in ksm


def test_ksmd_is_the_kernel_thread_of_that_name_not_a_process_calling_itself_so(tmp_path: Path) -> None:
    from netops.lab.kernel import ksmd_pid

    for pid, comm, ppid in ((7, "bash", 1), (40, "ksmd", 2), (99, "ksmd", 7), (120, "kworker/0:1 (x)", 2)):
        (tmp_path / str(pid)).mkdir()
        (tmp_path / str(pid) / "stat").write_text(f"{pid} ({comm}) S {ppid} 0 0 0 -1 4194368\n")
    (tmp_path / "self").mkdir()
    assert ksmd_pid(tmp_path) == 40
    (tmp_path / "40" / "stat").unlink()
    assert ksmd_pid(tmp_path) is None
