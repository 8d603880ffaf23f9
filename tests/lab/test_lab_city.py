"""The sample city's lab on real namespaces, FRR and sshd: converged, the policy enforced, failures, teardown.

One configured lab for the module (about 15 s to bring up and converge on 2 cores); its finalizer brings it
down whatever happens. The tests run in file order: the last one tears the lab down and checks nothing is
left.
"""

import json
import os
import subprocess
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from citynet_models.types import Redundancy
from netops.lab import frr, monitoring
from netops.lab.probe import Probe, run_probes
from netops.lab.reach import expectations
from netops.verify.monitoring import monitoring as watched_by_nms
from tests.lab.helpers import CityLab, leftovers, sample_city_lab

pytestmark = pytest.mark.lab


@pytest.fixture(scope="module")
def city_lab() -> Iterator[CityLab]:
    with sample_city_lab() as city:
        yield city


def _wait_for(probes: list[Probe], reached: bool, timeout: float) -> list[str]:
    """Probe until every probe gets `reached` (or the timeout); what still differs."""
    deadline = time.monotonic() + timeout
    while True:
        results = run_probes(probes, timeout=0.7)
        wrong = [f"{r.probe}: {r.detail}" for r in results if r.reached != reached]
        if not wrong or time.monotonic() > deadline:
            return wrong
        time.sleep(0.3)


def _granted(city: CityLab, device: str) -> list[Probe]:
    pcs = [h for h in city.plan.hosts if h.kind == "pc" and h.router == device]
    return [p for p in expectations(city.network, city.plan, pcs) if p.expect and p.protocol != "icmp"]


def _site_router(city: CityLab, redundancy: Redundancy) -> tuple[str, list[str]]:
    """A ward site's router with that redundancy, and its upstream devices."""
    for site in city.network.sites:
        if site.kind == "ward_committee" and site.redundancy is redundancy:
            device = city.network.devices_by_site[site.slug][0].name
            return device, sorted({link.upstream for link in city.plan.links if link.downstream == device})
    raise AssertionError(f"the sample city has no {redundancy.value} ward committee")


def test_every_router_runs_frr_and_sshd(city_lab: CityLab) -> None:
    status = city_lab.lab.status()
    assert status.up and status.complete and status.configured and status.healthy
    assert [r.device for r in status.routers] == [d.name for d in city_lab.network.devices]
    frr_routers = {r.device for r in city_lab.plan.frr_routers()}
    assert frr_routers == {d.name for d in city_lab.network.devices if d.is_router}
    for router in status.routers:
        if router.device in frr_routers:
            assert router.daemons == {"bgpd": True, "ospfd": True, "zebra": True}
        assert router.sshd and router.ssh_open


def test_no_lab_process_holds_the_machines_namespace_mounts(city_lab: CityLab) -> None:
    """`ip netns exec` copies the machine's mounts, one per network namespace, into each process it starts: a
    whole-city lab's daemons held 18 million of them (docs/lab.md, "Scale"). Every long-lived process the lab
    started (FRR, host daemons, sshd, listeners, the NMS) runs in a copy of the lab's mount namespace, which holds
    none of them (the machine still has them), and sees its own network namespace's interfaces under /sys."""
    from netops.lab.netns import LAB_MOUNTS, NETNS_DIR, interfaces

    def namespace_mounts(pid: int | str) -> list[str]:
        lines = Path(f"/proc/{pid}/mountinfo").read_text().splitlines()
        return [line.split()[4] for line in lines if line.split()[4].startswith(f"{NETNS_DIR}/")]

    assert len(namespace_mounts("self")) >= len(city_lab.plan.routers)
    assert os.path.ismount(LAB_MOUNTS)
    _, state = city_lab.home.require()
    processes = [p for p in state.processes if p.alive()]
    kinds = {p.kind for p in processes}
    assert {"frr", "sshd", "snmpd", "lldpd", "listener", "prometheus"} <= kinds
    holding = {f"{p.kind} {p.owner}": len(namespace_mounts(p.pid)) for p in processes if namespace_mounts(p.pid)}
    assert holding == {}
    mounts = {f"{p.kind} {p.owner}": len(Path(f"/proc/{p.pid}/mountinfo").read_text().splitlines())
              for p in processes}
    assert max(mounts.values()) < 100, mounts
    for process in processes:
        if process.kind in {"lldpd", "snmpd"}:
            seen = {entry.name for entry in Path(f"/proc/{process.pid}/root/sys/class/net").iterdir()}
            assert seen == interfaces(process.owner), process


def test_ospf_and_bgp_adjacencies(city_lab: CityLab) -> None:
    plan = city_lab.plan
    convergence = city_lab.lab.convergence()
    assert convergence.converged
    frr_routers = {r.device for r in plan.frr_routers()}
    for router in plan.frr_routers():
        links = len([lk for lk in plan.links_of(router.device) if {lk.upstream, lk.downstream} <= frr_routers])
        assert convergence.ospf[router.device] == (links, links)
        neighbors = frr.vtysh_json(router.netns, "show ip ospf neighbor json")["neighbors"]
        assert sum(len(entries) for entries in neighbors.values()) == links
        assert all(e["nbrState"].startswith("Full") for entries in neighbors.values() for e in entries)
    cores = [r for r in plan.routers if r.role.value == "core"]
    loopbacks = {str(r.loopback) for r in plan.frr_routers()}
    for core in cores:
        peers = frr.vtysh_json(core.netns, "show bgp summary json")["ipv4Unicast"]["peers"]
        assert set(peers) == loopbacks - {str(core.loopback)}  # a route reflector peers with every router
        assert {p["state"] for p in peers.values()} == {"Established"}
    # Inside a totally stubby area an access router holds its own area's routes and a default, from its area's
    # border routers in OSPF, and from the reflectors in BGP (the only route it takes from them), nothing more.
    edge = plan.router_by_device["ubnd-phuong-phuc-xa-r01"]
    routes = frr.vtysh_json(edge.netns, "show ip route json")
    defaults = {entry["protocol"]: entry for entry in routes["0.0.0.0/0"]}
    assert set(defaults) == {"ospf", "bgp"} and defaults["ospf"].get("selected"), routes["0.0.0.0/0"]
    own_area = {str(lan.prefix) for site in city_lab.network.sites if site.area == "001" for lan in site.lans}
    elsewhere = {str(lan.prefix) for site in city_lab.network.sites if site.area != "001" for lan in site.lans}
    assert own_area & set(routes) and not elsewhere & set(routes)
    bgp_routes = frr.vtysh_json(edge.netns, "show bgp ipv4 unicast json")["routes"]
    assert set(bgp_routes) - {str(lan.prefix) for lan in city_lab.network.site_by_slug["ubnd-phuong-phuc-xa"].lans} \
        == {"0.0.0.0/0"}
    # The border routers and the reflectors keep the whole city.
    for device in ("ba-dinh-agg-01", "dc-core-01"):
        held = frr.vtysh_json(plan.router_by_device[device].netns, "show ip route json")
        assert elsewhere <= set(held), device


def test_routers_answer_over_ssh_like_real_boxes(city_lab: CityLab) -> None:
    config = city_lab.home.ssh_config
    result = subprocess.run(["ssh", "-F", str(config), "ubnd-phuong-phuc-xa-r01",
                             "vtysh -c 'show version'; vtysh -c 'show running-config'; hostname; id -un; ls -A /tmp"],
                            capture_output=True, text=True, timeout=30, check=False)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("FRRouting 8.4") and "(ubnd-phuong-phuc-xa-r01)" in lines[0]
    assert lines.count("hostname ubnd-phuong-phuc-xa-r01") == 1  # FRR #7583 worked around
    assert lines[-2:] == ["ubnd-phuong-phuc-xa-r01", "netops"]  # its own hostname, the lab user, an empty /tmp
    key = city_lab.home.client_key
    router = city_lab.plan.router_by_device["dc-core-01"]
    direct = subprocess.run(["ssh", "-i", str(key), "-o", "StrictHostKeyChecking=no", "-o",
                             "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR", f"netops@{router.management.ip}",
                             "vtysh -c 'show bgp summary json' >/dev/null && echo ok"],
                            capture_output=True, text=True, timeout=30, check=False)
    assert direct.stdout.strip() == "ok", direct.stderr


def test_every_pc_reaches_what_the_policy_grants_and_nothing_else(city_lab: CityLab) -> None:
    probes = expectations(city_lab.network, city_lab.plan)
    results = run_probes(probes, timeout=1.5, workers=128)
    wrong = [f"{r.probe}: {r.detail}" for r in results if not r.ok]
    assert not wrong, "\n".join(wrong[:40])
    servers = {h.address.ip for h in city_lab.plan.hosts if h.kind == "server"}
    granted = [r for r in results if r.probe.expect and r.probe.protocol == "tcp" and r.probe.destination in servers]
    # the answer comes from the listener of the host the model says runs the service
    assert all(r.detail.split()[0] in r.probe.why for r in granted)
    assert len(results) > 1000


def _prometheus(city: CityLab, path: str, **query: str) -> object:
    address = monitoring.url(city.plan)
    assert address is not None
    with urllib.request.urlopen(f"{address}{path}?{urllib.parse.urlencode(query)}", timeout=10) as answer:
        return json.load(answer)["data"]


def _probes(city: CityLab) -> dict[tuple[str, str], str]:
    """(job, instance) -> the last value of every blackbox probe (probe_success) and SNMP walk (up)."""
    data = _prometheus(city, "/api/v1/query", query='probe_success or up{job="snmp"}')
    assert isinstance(data, dict)
    return {(r["metric"]["job"], r["metric"]["instance"]): r["value"][1] for r in data["result"]}


def _firing(city: CityLab, alert: str) -> list[dict[str, str]]:
    data = _prometheus(city, "/api/v1/alerts")
    assert isinstance(data, dict)
    return [a["labels"] for a in data["alerts"] if a["labels"]["alertname"] == alert and a["state"] == "firing"]


def _until[T](check: Callable[[], T], timeout: float) -> T:
    """Ask until the answer is truthy (or the timeout: the last answer)."""
    deadline = time.monotonic() + timeout
    while True:
        answer = check()
        if answer or time.monotonic() > deadline:
            return answer
        time.sleep(1)


#: Longest wait for an alert to fire or clear in the lab: the interval (10 s), a probe's timeout (5 s), the
#: alert's `for` (2-3 intervals) and an evaluation, with room for a loaded machine.
ALERT_SECONDS = 150


def test_the_nms_probes_every_loopback_gateway_and_service_over_the_wan(city_lab: CityLab) -> None:
    status = city_lab.lab.status()
    assert status.monitoring is not None and status.monitoring.ready and all(status.monitoring.daemons.values())
    targets = city_lab.home.path / "monitoring" / "config" / "targets"
    expected = {(job, group["labels"]["instance"]) for job in ("icmp", "tcp", "snmp")
                for group in json.loads((targets / f"{job}.json").read_text())}
    assert len(expected) > 50
    assert {name for job, name in expected if job == "snmp"} == {r.device for r in city_lab.plan.frr_routers()}

    def all_answer() -> dict[tuple[str, str], str] | None:
        probes = _probes(city_lab)
        return probes if set(probes) >= expected and all(probes[key] == "1" for key in expected) else None

    probes = _until(all_answer, timeout=ALERT_SECONDS) or _probes(city_lab)
    failing = sorted(key for key in expected if probes.get(key) != "1")
    assert not failing, f"{len(failing)} targets fail: {failing[:10]}"
    # SNMPv3 across the WAN: snmp_exporter walked every router's interfaces by name
    data = _prometheus(city_lab, "/api/v1/query", query='count by (instance) (ifOperStatus{job="snmp"} == 1)')
    assert isinstance(data, dict)
    walked = {r["metric"]["instance"] for r in data["result"]}
    assert walked == {r.device for r in city_lab.plan.frr_routers()}, walked
    # netops verify's monitoring phase asks the same Prometheus: every device and every gateway answers
    checks = watched_by_nms(city_lab.network, city_lab.plan)
    assert len([c for c in checks if c.name.endswith(" answers SNMP")]) == len(city_lab.plan.frr_routers())
    gateways = [c for c in checks if c.name.startswith("gateway of ")]
    assert len(gateways) == sum(1 for key in expected if key[0] == "icmp" and "/" in key[1])
    assert all(c.ok for c in checks), [c for c in checks if not c.ok][:5]


def test_up_again_changes_nothing(city_lab: CityLab) -> None:
    report = city_lab.lab.up(city_lab.network, city_lab.plan, configured=True)
    assert not report.changed
    assert city_lab.lab.status().healthy


def test_dual_homed_site_survives_one_uplink(city_lab: CityLab) -> None:
    device, upstream = _site_router(city_lab, Redundancy.DUAL_HOMED)
    assert len(upstream) == 2
    probes = _granted(city_lab, device)
    city_lab.lab.fail_link(upstream[0], device)
    try:
        status = city_lab.lab.status()
        assert status.failed_links and any(r.failed_links for r in status.routers if r.device == device)
        assert not _wait_for(probes, True, timeout=10)
    finally:
        city_lab.lab.restore_link(upstream[0], device)


def test_single_homed_site_loses_everything_with_its_uplink(city_lab: CityLab) -> None:
    device, upstream = _site_router(city_lab, Redundancy.SINGLE_HOMED)
    assert len(upstream) == 1
    probes = _granted(city_lab, device)
    site = city_lab.network.device_by_name[device].site
    city_lab.lab.fail_link(upstream[0], device)
    try:
        assert not _wait_for(probes, False, timeout=10)
        # the NMS sees it over the WAN: the site is cut off from the data center
        fired = _until(lambda: [a for a in _firing(city_lab, "NetopsSiteCutOff") if a["site"] == site],
                       timeout=ALERT_SECONDS)
        assert fired and fired[0]["severity"] == "critical", _firing(city_lab, "NetopsSiteCutOff")
        assert {a["site"] for a in _firing(city_lab, "NetopsSiteCutOff")} == {site}
    finally:
        city_lab.lab.restore_link(upstream[0], device)
    assert not _wait_for(probes, True, timeout=30)
    assert _until(lambda: not [a for a in _firing(city_lab, "NetopsSiteCutOff") if a["site"] == site],
                  timeout=ALERT_SECONDS)


def test_node_failure_and_restore(city_lab: CityLab) -> None:
    device, upstream = _site_router(city_lab, Redundancy.DUAL_HOMED)
    probes = _granted(city_lab, device)
    city_lab.lab.fail_node(upstream[0])
    try:
        assert not frr.running(city_lab.plan.router_by_device[upstream[0]].netns).get("zebra", False)
        assert not _wait_for(probes, True, timeout=15)
        fired = _until(lambda: [a for a in _firing(city_lab, "NetopsDeviceDown") if a["device"] == upstream[0]],
                       timeout=ALERT_SECONDS)
        assert fired, _firing(city_lab, "NetopsDeviceDown")
    finally:
        city_lab.lab.restore_node(upstream[0])
    converged = city_lab.lab.wait(timeout=60)
    assert converged.converged, converged.lagging()
    assert _until(lambda: not [a for a in _firing(city_lab, "NetopsDeviceDown") if a["device"] == upstream[0]],
                  timeout=ALERT_SECONDS)
    assert city_lab.lab.status().healthy


def test_down_leaves_nothing(city_lab: CityLab) -> None:
    report = city_lab.lab.down()
    assert report.was_up and report.namespaces_deleted == len(city_lab.plan.namespaces())
    assert not leftovers(city_lab.home)
    assert not city_lab.lab.down().was_up  # a second down has nothing to do
