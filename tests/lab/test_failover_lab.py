"""Failover on the sample city's lab: the data center's active firewall fails, then a hub's VRRP master; each
time every site's PCs reach again everything their policy grants (timed), `netops verify --phase reachability`
passes while the router is down, and after `restore node` the gateways are where the model's preempt setting
says (the firewall pair does not preempt: the standby stays active; the hub's routers preempt after their
delay) and the whole `netops verify` passes."""

import subprocess
import sys
import time
from collections.abc import Iterator

import pytest

from netops.lab import hostd
from netops.lab.failover import (
    Failover,
    accepted,
    cut_sites,
    fail_and_measure,
    granted,
    until_held,
    until_reachable,
)
from netops.lab.vrrp import groups
from tests.lab.helpers import (
    NETOPS,
    REPO,
    CityLab,
    leftovers,
    playbook_env,
    sample_city_lab,
)

pytestmark = pytest.mark.lab

FIREWALL = "dc-fw-01"
#: Every probe answers again within this after a failure (VRRP's master-down interval is about 3.6 s with the
#: sample's one-second advertisements; OSPF sees the lost carrier at once). Generous: a loaded CI machine.
RECOVERY_TIMEOUT = 60.0


@pytest.fixture(scope="module")
def city_lab() -> Iterator[CityLab]:
    with sample_city_lab() as city:
        yield city


def _masters(city: CityLab) -> dict[str, str]:
    """Segment namespace -> the member the model makes master."""
    return {segment.netns: segment.members[0].device for segment in city.plan.segments}


def _verify(city: CityLab, *phases: str, sites: list[str] | None = None) -> subprocess.CompletedProcess[str]:
    scope = [f"--site={site}" for site in sites or ()]
    return subprocess.run([str(NETOPS), "verify", *[f"--phase={p}" for p in phases], *scope], cwd=REPO,
                          env=playbook_env(city.home), capture_output=True, text=True, timeout=900, check=False)


def _report(failover: Failover) -> None:
    # The measured figure, for the record (pytest -s shows it; docs/benchmarks.md has the benchmark's).
    sys.stderr.write(f"\nfailover of {failover.device}: every site reachable again {failover.seconds} s after the "
                     f"failure (fail node itself {failover.fail_command_s} s)\n")


def _preempt(city: CityLab, device: str) -> tuple[bool, int]:
    """The model's preempt setting and delay of the LANs `device` is the VRRP master of."""
    lans = [lan for site in city.network.sites for lan in site.lans
            if lan.redundancy is not None and lan.redundancy.master.device == device]
    assert lans, f"{device} is the VRRP master of no LAN"
    settings = {(lan.redundancy.preempt, lan.redundancy.preempt_delay_s) for lan in lans if lan.redundancy}
    assert len(settings) == 1, settings
    return settings.pop()


def test_every_shared_gateway_has_its_master(city_lab: CityLab) -> None:
    assert city_lab.plan.segments, "the sample city has no LAN with several gateway routers"
    held = until_held(city_lab.plan, _masters(city_lab), timeout=30)
    assert held == {netns: (device,) for netns, device in _masters(city_lab).items()}
    status = city_lab.lab.status()
    assert status.healthy
    assert all(r.keepalived for r in status.routers if city_lab.plan.router_by_device[r.device].vrrp)
    verified = _verify(city_lab, "control", "reachability", "redundancy")
    assert verified.returncode == 0, verified.stdout[-4000:] + verified.stderr[-2000:]


def _fail_restore(city: CityLab, device: str) -> None:
    plan = city.plan
    router = plan.router_by_device[device]
    preempt, delay = _preempt(city, device)
    backups = {g.netns: g.members[1] for g in groups(plan) if g.members[0] == device}
    cut = cut_sites(city.network, plan, [device])
    # what the failure cuts off by design is a single-homed site the city accepts as a risk, never a hub
    assert all(accepted(city.network, site) and city.network.site_by_slug[site].kind != "hub" for site in cut), cut
    failover = fail_and_measure(city.lab, city.network, plan, device, timeout=RECOVERY_TIMEOUT)
    _report(failover)
    try:
        assert failover.cut == cut
        assert failover.seconds is not None, f"not every site reachable again: {failover.failing[:10]}"
        assert not failover.failing_before, f"not reachable before the failure: {failover.failing_before[:10]}"
        # the backup holds every gateway the failed router held, alone
        assert failover.taken_over == {netns: (backup,) for netns, backup in backups.items()}
        assert not hostd.running(city.lab.home.load() or pytest.fail("no state"), router,
                                 (hostd.VRRP_DAEMON,))[hostd.VRRP_DAEMON]
        kept = sorted({r.site for r in plan.routers} - set(cut))
        verified = _verify(city, "reachability", sites=kept)
        assert verified.returncode == 0, verified.stdout[-4000:] + verified.stderr[-2000:]
    finally:
        restored = time.monotonic()
        city.lab.restore_node(device)
    converged = city.lab.wait(timeout=120)
    assert converged.converged, converged.lagging()
    if preempt:
        if time.monotonic() - restored < delay - 2:
            # within the preempt delay the backup keeps the gateways
            held = until_held(plan, backups, timeout=1)
            assert {netns: held[netns] for netns in backups} == {netns: (b,) for netns, b in backups.items()}
        # the model's master takes its gateways back once its preempt delay has run, not before
        held = until_held(plan, dict.fromkeys(backups, device), timeout=delay + 60)
        assert {netns: held[netns] for netns in backups} == dict.fromkeys(backups, (device,))
        assert time.monotonic() - restored >= delay
    else:
        # no preemption: the standby stays active, the restored router is its standby
        time.sleep(10)
        held = until_held(plan, backups, timeout=5)
        assert {netns: held[netns] for netns in backups} == {netns: (b,) for netns, b in backups.items()}
    # Back to the normal state: a gateway that moved back (preemption) moves the LAN's route with it, so every
    # granted probe must answer again before the whole verify judges the city.
    settled = time.monotonic()
    back = until_reachable(granted(city.network, plan), settled, timeout=RECOVERY_TIMEOUT)
    assert back.seconds is not None, f"not every site reachable after the restore: {back.failing[:10]}"
    sys.stderr.write(f"\nafter restoring {device}: every site reachable {back.seconds} s after its gateways settled\n")
    assert city.lab.status().healthy
    verified = _verify(city, "control", "reachability", "redundancy")
    assert verified.returncode == 0, verified.stdout[-4000:] + verified.stderr[-2000:]


def test_the_active_firewall_fails_and_the_standby_takes_over(city_lab: CityLab) -> None:
    pair = next(p for p in city_lab.network.ha_pairs if FIREWALL in p.members)
    assert pair.members[0] == FIREWALL
    assert cut_sites(city_lab.network, city_lab.plan, [FIREWALL]) == []  # the pair: no site depends on one firewall
    _fail_restore(city_lab, FIREWALL)


def test_a_hub_vrrp_master_fails_and_its_backup_takes_over(city_lab: CityLab) -> None:
    hub = next(s.members[0].device for s in city_lab.plan.segments
               if city_lab.network.site_by_slug[s.site].kind == "hub")
    _fail_restore(city_lab, hub)


def test_down_leaves_nothing(city_lab: CityLab) -> None:
    report = city_lab.lab.down()
    assert report.was_up and report.namespaces_deleted == len(city_lab.plan.namespaces())
    assert not leftovers(city_lab.home)
