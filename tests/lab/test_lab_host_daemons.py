"""The lab routers as Debian boxes (netops.lab.hostd) on real namespaces: snmpd, chronyd, rsyslogd and lldpd run in
every router on its own files, its sshd shows them where Debian has them, `status` reports one that died, `up`
starts it again and `down` stops them all."""

import os
import re
import signal
import subprocess
import time
from pathlib import Path

import pytest

from netops.lab import hostd
from netops.lab.lab import Lab
from netops.lab.netns import in_namespace, netns_command, run
from netops.lab.state import LabHome
from netops.lab.topology import plan_lab
from netops.monitoring.prometheus import snmp_walk
from netops.pipeline import load_network
from tests.lab.helpers import CITY, lab_home, leftovers, skip_unless_lab_can_run

pytestmark = pytest.mark.lab


def _ssh(home: LabHome, device: str, command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["ssh", "-F", str(home.ssh_config), device, command], capture_output=True, text=True,
                          check=False)


def _lldp_neighbours(home: LabHome, device: str) -> str:
    """lldpcli's neighbours in the router's SSH session, once lldpd has heard from any (it sends at start)."""
    deadline = time.monotonic() + 60
    while True:
        # /usr/sbin is not on a user's PATH on Debian
        shown = _ssh(home, device, "/usr/sbin/lldpcli show neighbors summary")
        if "SysName" in shown.stdout or time.monotonic() > deadline:
            return shown.stdout + shown.stderr
        time.sleep(1)


def test_every_router_runs_its_host_daemons_until_down() -> None:
    skip_unless_lab_can_run()
    network = load_network(CITY).network
    plan = plan_lab(network, ["017"])
    with lab_home() as home:
        lab = Lab(home)
        report = lab.up(network, plan)
        routers = plan.frr_routers()
        # keepalived too on the routers that share a LAN gateway (the hub's pair, the data center's firewalls)
        assert report.host_daemons_started == sum(len(hostd.daemons(r)) for r in routers)
        sharing = [r for r in routers if r.vrrp]
        assert {r.device for r in sharing} >= {"dong-anh-agg-01", "dong-anh-agg-02", "dc-fw-01", "dc-fw-02"}
        status = lab.status()
        assert status.healthy
        assert {r.device: r.keepalived for r in status.routers if r.keepalived is not None} == {
            r.device: True for r in sharing}
        # a bootstrap router's keepalived has no instance: the virtual gateways are nobody's until provisioning
        assert status.vrrp and all(group.masters == () for group in status.vrrp)
        assert {r.device: r.host_daemons for r in status.routers if r.device in {x.device for x in routers}} == {
            r.device: dict.fromkeys(hostd.DAEMONS, True) for r in routers}
        state = home.load()
        assert state is not None
        pids = {(p.kind, p.owner): p.pid for p in state.processes if p.kind in hostd.DAEMONS}
        for router in routers:
            for daemon in hostd.DAEMONS:
                assert in_namespace(pids[daemon, router.netns], router.netns), (daemon, router.device)

        # Over SSH the router reads like a Debian box: its own (bootstrap) files at the /etc paths, its daemons.
        device = "dong-anh-agg-01"
        shown = _ssh(home, device, "cat /etc/snmp/snmpd.conf /etc/chrony/chrony.conf /etc/issue.net "
                                   "/etc/pam_radius_auth.conf /etc/rsyslog.d/60-netops.conf "
                                   "/etc/ssh/sshd_config.d/60-netops.conf")
        assert shown.returncode == 0, shown.stderr
        for host_file in hostd.HOST_FILES:
            assert host_file.bootstrap in shown.stdout, host_file.part
        path = hostd.host_dir(home, device) / "snmp" / "snmpd.conf"
        assert (path.stat().st_uid, path.stat().st_mode & 0o777) == (0, 0o640)
        sources = _ssh(home, device, "chronyc -n sources")  # over udp 127.0.0.1:323, the router's own loopback
        assert sources.returncode == 0 and "Name/IP address" in sources.stdout, sources.stdout + sources.stderr
        assert len(sources.stdout.strip().splitlines()) == 2, sources.stdout  # the header: no server yet
        # lldpd over the veths: the neighbour across the aggregation pair's link is seen by name.
        neighbours = _lldp_neighbours(home, device)
        assert "dong-anh-agg-02" in neighbours or "ubnd-" in neighbours, neighbours

        # A router whose snmpd died is reported, and `up` starts it again (only it).
        router = plan.router_by_device[device]
        os.kill(pids["snmpd", router.netns], signal.SIGKILL)
        deadline = time.monotonic() + 10
        while in_namespace(pids["snmpd", router.netns], router.netns) and time.monotonic() < deadline:
            time.sleep(0.1)
        status = lab.status()
        assert not status.healthy
        row = next(r for r in status.routers if r.device == device)
        assert row.host_daemons == {**dict.fromkeys(hostd.DAEMONS, True), "snmpd": False}
        again = lab.up(network, plan)
        assert again.host_daemons_started == 1 and again.sshd_started == 0 and again.frr_started == 0
        assert lab.status().healthy
        assert lab.up(network, plan).changed is False

        # A large lab's snmpd reloads its interface table every 30 s, not net-snmp's 3 s: set over the lab's own
        # community, from the router's loopback, which reaches that one column and nothing else.
        assert not plan.large()
        timeout = f"{hostd.NS_CACHE_TIMEOUT}.{hostd.IF_TABLE}"

        def snmp(*args: str) -> str:
            return run(netns_command(router.netns, [*args[:1], "-m", "", "-v2c", "-c", hostd.CACHE_COMMUNITY,
                                                    "-Oqv", "127.0.0.1", *args[1:]]), check=False).stdout.strip()

        assert snmp("snmpget", timeout) == "3"
        assert hostd.slow_interface_cache(router)
        assert snmp("snmpget", timeout) == str(hostd.LARGE_LAB_INTERFACE_CACHE_S)
        assert "No Such Object" in snmp("snmpget", "1.3.6.1.2.1.1.5.0")  # sysName: not in the community's view

        state = home.load()
        assert state is not None
        pids = {(p.kind, p.owner): p.pid for p in state.processes if p.kind in (*hostd.DAEMONS, hostd.VRRP_DAEMON)}
        assert len([kind for kind, _ in pids if kind == hostd.VRRP_DAEMON]) == len(sharing)
        lab.down()
        assert not leftovers(home)
        assert not [pid for pid in pids.values() if Path(f"/proc/{pid}").exists()]
        assert not hostd.RUN_DIR.exists() or not any(hostd.RUN_DIR.iterdir())


def test_the_nms_walks_read_nothing_of_the_machine_in_a_lab_snmpd(tmp_path: Path) -> None:
    """Every OID the NMS walks, walked as snmp_exporter walks it (GETBULK, 25 repetitions, so the last request of a
    walk runs on past its end: the lab's snmpd has no BGP MIB, and bgpPeerState's walk runs into what follows), on a
    real snmpd with the lab's modules: snmpd opens no process's /proc files and statfs's no mount. Every lab router
    shares the machine's processes and mounts (10,000 and 4,400 at the whole city), so a table over them costs
    every snmpd on every scrape."""
    if os.geteuid() != 0:
        pytest.fail("snmpd runs in a network namespace of its own: the test needs root (make test runs as root)")
    config = tmp_path / "snmpd.conf"
    config.write_text("agentAddress udp:127.0.0.1:161\nrocommunity netops-test 127.0.0.1\n", encoding="utf-8")
    (tmp_path / "persistent").mkdir()
    trace = tmp_path / "snmpd.strace"
    walks = tmp_path / "walks.sh"
    query = "-m '' -v2c -c netops-test -On 127.0.0.1"
    walks.write_text("\n".join([
        "ip link set lo up",
        f"snmpd -f -Lo -C -c {config} {' '.join(hostd.snmpd_modules())} &",
        f"echo $! > {tmp_path / 'snmpd.pid'}",
        "i=0; until snmpget -r 0 -t 1 " + query + " 1.3.6.1.2.1.1.5.0 >/dev/null 2>&1; do",
        "  i=$((i + 1)); [ $i -lt 30 ] || exit 3; sleep 1; done",
        f"echo walks > {tmp_path / 'marker'}",
        *(f"snmpbulkwalk -Cr25 -t 30 -r 0 {query} {oid} >> {tmp_path / 'walked'}" for oid in snmp_walk()),
        "kill $!; wait $!", ""]), encoding="utf-8")
    env = {**os.environ, "SNMP_PERSISTENT_DIR": str(tmp_path / "persistent"), "MIBS": ""}
    done = subprocess.run(["strace", "-f", "-qq", "-e", "trace=openat,statfs,fstatfs", "-o", str(trace),
                           "unshare", "--net", "sh", "-e", str(walks)],
                          capture_output=True, text=True, env=env, check=False, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1.3.6.1.2.1.2.2.1.2." in (tmp_path / "walked").read_text()  # ifDescr: the walks were answered
    lines = trace.read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if str(tmp_path / "marker") in line)
    snmpd = (tmp_path / "snmpd.pid").read_text().split()[0]
    machine = [line for line in lines[start:] if line.split()[0] == snmpd and re.search(r'"/proc/\d+/|statfs\(', line)]
    assert not machine, machine[:5]
