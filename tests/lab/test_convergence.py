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


class SharedLans:
    """The sample city's lab recorded in a home, with keepalived running where told and each shared LAN's
    virtual address held by the members told (the rest of `_unheld_gateways` is the logic under test)."""

    def __init__(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        from netops.lab.state import LabState
        from netops.lab.topology import plan_lab
        from netops.pipeline import load_network

        self.plan = plan_lab(load_network(Path(__file__).resolve().parents[2] / "inventory" / "city").network)
        self.home = LabHome(tmp_path / "lab")
        self.home.path.mkdir()
        self.home.plan_file.write_text(self.plan.to_json(), encoding="utf-8")
        self.state = LabState()
        self.home.save(self.state)
        self.keepalived: set[str] = set()
        self.held: dict[str, tuple[str, ...]] = {}
        monkeypatch.setattr(module.hostd, "running",
                            lambda state, router, which: dict.fromkeys(which, router.device in self.keepalived))
        monkeypatch.setattr(module.vrrp, "holders", lambda plan, segment: self.held.get(segment.netns, ()))
        self.segment = next(s for s in self.plan.segments if len(s.members) == 2)
        self.members = [m.device for m in self.segment.members]
        self.name = f"{self.segment.site} {self.segment.lan}"

    def provision(self, *devices: str) -> None:
        """These members run keepalived with the segment's virtual address in their saved keepalived.conf."""
        from netops.lab import hostd

        for device in devices:
            path = hostd.host_file(self.home, device, hostd.VRRP_DAEMON)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(f"vrrp_instance x {{\n virtual_ipaddress {{\n  {self.segment.virtual_address}\n }}\n}}\n",
                            encoding="utf-8")
            self.keepalived.add(device)

    def unheld(self) -> dict[str, list[str]]:
        routers = [self.plan.router_by_device[d] for d in self.members]
        return module._unheld_gateways(self.home, routers)


def test_a_shared_lan_wants_exactly_one_master_among_the_members_that_serve_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lans = SharedLans(tmp_path, monkeypatch)
    first, second = lans.members
    assert lans.unheld() == {}, "a bootstrap lab (no keepalived.conf) expects no master"
    lans.keepalived = {first, second}
    assert lans.unheld() == {}, "keepalived running with no instance for the LAN expects no master either"
    lans.provision(first, second)
    assert lans.unheld() == {first: [lans.name], second: [lans.name]}, "nobody holds the gateway"
    lans.held[lans.segment.netns] = (first, second)
    assert lans.unheld() == {first: [lans.name], second: [lans.name]}, "two masters"
    lans.held[lans.segment.netns] = (second,)
    assert lans.unheld() == {}


def test_a_failed_or_stopped_member_is_not_waited_for(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lans = SharedLans(tmp_path, monkeypatch)
    first, second = lans.members
    lans.provision(first, second)
    lans.state.failed_nodes.append(first)
    lans.home.save(lans.state)
    assert lans.unheld() == {second: [lans.name]}, "the working member still needs the gateway held"
    lans.keepalived.discard(second)
    assert lans.unheld() == {}, "no working member serves the LAN: nothing to wait for"
