"""`wait` polls only the routers it is given (the rollout waits on the routers it pushed): the polling logic alone,
with the per-router vtysh round replaced. The real round is exercised by the lab tests (tests/lab/test_lab_city.py,
tests/rollout/test_rollout_lab.py)."""

from collections.abc import Iterable
from pathlib import Path

import pytest

from netops.lab import convergence as module
from netops.lab.convergence import Convergence, wait
from netops.lab.state import LabHome
from netops.progress import Counter

ROUTERS = ("core", "hub", "site", "other")


class Rounds:
    """A lab where `lagging` routers need one more round; records which routers each round polled."""

    def __init__(self, lagging: set[str]) -> None:
        self.lagging = set(lagging)
        self.polled: list[tuple[str, ...]] = []

    def __call__(self, home: LabHome, devices: Iterable[str] | None = None) -> Convergence:
        chosen = tuple(ROUTERS if devices is None else devices)
        self.polled.append(chosen)
        ospf = {name: (0 if name in self.lagging else 1, 1) for name in chosen}
        self.lagging -= set(chosen)
        return Convergence(all(n >= e for n, e in ospf.values()), 0.0, ospf, {})


def test_wait_polls_only_the_given_routers(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    rounds = Rounds(lagging={"hub", "other"})
    monkeypatch.setattr(module, "convergence", rounds)
    result = wait(LabHome(tmp_path), timeout=30, interval=0, devices=["hub", "site"])
    assert result.converged
    # every round stays within the given routers: the first, the lagging hub, then the confirmation of both
    assert rounds.polled == [("hub", "site"), ("hub",), ("hub", "site")]


def test_wait_without_routers_polls_the_whole_lab(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    rounds = Rounds(lagging={"other"})
    monkeypatch.setattr(module, "convergence", rounds)
    assert wait(LabHome(tmp_path), timeout=30, interval=0).converged
    assert rounds.polled == [ROUTERS, ("other",), ROUTERS]


class Counting:
    """A Progress that keeps its tasks' advances (netops.progress.Counter records how far each got)."""

    def __init__(self) -> None:
        self.tasks: list[Counter] = []

    def __call__(self, message: str) -> None:
        pass

    def task(self, description: str, total: int | None) -> Counter:
        self.tasks.append(Counter(description, total))
        return self.tasks[-1]


def test_wait_counts_the_routers_converged_up_to_all_of_them(monkeypatch: pytest.MonkeyPatch,
                                                              tmp_path: Path) -> None:
    monkeypatch.setattr(module, "convergence", Rounds(lagging={"hub", "other"}))
    progress = Counting()
    assert wait(LabHome(tmp_path), timeout=30, interval=0, progress=progress).converged
    [task] = progress.tasks
    assert (task.description, task.total, task.completed, task.finished) == ("converging", 4, 4, True)


def test_wait_that_times_out_counts_only_the_routers_there(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    class Never(Rounds):
        def __call__(self, home: LabHome, devices: Iterable[str] | None = None) -> Convergence:
            self.lagging.add("hub")  # never there
            return super().__call__(home, devices)

    monkeypatch.setattr(module, "convergence", Never(lagging={"hub"}))
    progress = Counting()
    assert not wait(LabHome(tmp_path), timeout=0, interval=0, progress=progress).converged
    [task] = progress.tasks
    assert (task.total, task.completed, task.finished) == (4, 3, True)


def test_a_router_lags_while_a_shared_lan_it_serves_has_no_single_master() -> None:
    """VRRP elects a master seconds after the routing converged: the router waits, named with what it lacks."""
    result = Convergence(False, 0.0, {"hub-01": (2, 2), "hub-02": (2, 3)}, {"hub-01": (1, 2), "hub-02": (2, 2)},
                         {"hub-01": ["site-r01"]}, {"hub-01": ["ubnd-quan-a staff"], "hub-02": ["ubnd-quan-a staff"]})
    assert result.lagging() == ["hub-01", "hub-02"]
    assert result.describe_lagging() == (
        "hub-01 (BGP 1 of 2 sessions: none with site-r01; VRRP: no single master of ubnd-quan-a staff), "
        "hub-02 (OSPF 2 of 3 adjacencies Full; VRRP: no single master of ubnd-quan-a staff)")
    assert Convergence(True, 0.0, {"hub-01": (2, 2)}, {"hub-01": (2, 2)}).lagging() == []
