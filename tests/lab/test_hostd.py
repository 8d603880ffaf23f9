"""When provisioning restarts keepalived rather than reloading it: its shared LANs' own addresses changed."""

from types import SimpleNamespace

import pytest

from netops.lab import hostd
from netops.lab.admission import Admission
from netops.lab.hostd import readdressed
from netops.lab.state import Process


def test_a_changed_own_address_restarts_keepalived() -> None:
    # a member's own LAN address going from the LAN's prefix to a /32: keepalived must read it again
    assert readdressed("eth0.10 10.128.4.126/25 eth0.20 10.128.4.158/27",
                       "eth0.10 10.128.4.126/32 eth0.20 10.128.4.158/27")
    assert readdressed("eth0.10 10.128.4.126/32", "")  # the address went away


def test_the_same_addresses_or_first_ones_keep_the_reload() -> None:
    assert not readdressed("eth0.10 10.128.4.126/32", "eth0.10 10.128.4.126/32")
    # a bootstrap router had no address on its LANs: keepalived had no instance there, a reload makes them
    assert not readdressed("", "eth0.10 10.128.4.126/32 eth0.20 10.128.4.158/32")
    # a LAN added beside one that kept its address
    assert not readdressed("eth0.10 10.128.4.126/32", "eth0.10 10.128.4.126/32 eth0.20 10.128.4.158/32")
    assert not readdressed(None, "eth0.10 10.128.4.126/32")  # never recorded: unknown, as it was


def test_a_shared_lans_master_starts_its_keepalived_before_the_backups(monkeypatch: pytest.MonkeyPatch) -> None:
    """A backup whose keepalived came up first would hold the gateway until the master's preempt delay ran out
    (or for good, without preemption): every other daemon starts in the first pass, the backups' keepalived
    only once every master's has."""
    started: list[tuple[str, str]] = []

    def start(home: object, router: SimpleNamespace, daemon: str) -> Process:
        started.append((router.device, daemon))
        return Process(kind=daemon, owner=router.netns, pid=1000 + len(started), marker="")

    monkeypatch.setattr(hostd, "start", start)
    monkeypatch.setattr(hostd, "daemons", lambda router: ("snmpd", hostd.VRRP_DAEMON))
    monkeypatch.setattr(hostd, "running", lambda state, router, wanted: dict.fromkeys(wanted, False))
    monkeypatch.setattr(hostd, "_mark_loaded", lambda *args: None)
    # the backup first in the plan's order, as a parallel start may run it
    routers = [SimpleNamespace(device=name, netns=f"nl-{name}") for name in ("agg-02", "agg-01")]
    segment = SimpleNamespace(members=(SimpleNamespace(device="agg-01"), SimpleNamespace(device="agg-02")))
    plan = SimpleNamespace(frr_routers=lambda: routers, large=lambda: False, segments=[segment])
    state = SimpleNamespace(failed_nodes=[], add_processes=lambda processes: None, process=lambda kind, owner: None)
    home = SimpleNamespace(save=lambda state: None)
    assert hostd.start_missing(home, plan, state, Admission(max_cpu_wait_s=0)) == 4  # type: ignore[arg-type]
    keepalived = [device for device, daemon in started if daemon == hostd.VRRP_DAEMON]
    assert keepalived == ["agg-01", "agg-02"]
    assert started.index(("agg-02", "snmpd")) < started.index(("agg-01", hostd.VRRP_DAEMON))
