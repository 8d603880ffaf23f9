"""napalm_frr on real FRR 8.4 over real SSH, and the project's Ansible modules through ansible-playbook.

Three chained private routers (tests/napalm_frr/routers.py: netns + FRR pathspace + sshd + a dedicated login user,
management on a private 198.18.X.0/30 veth, chronyd and lldpd), made for this module and removed afterwards. Root
only. The tests that change what the routers run (a link flap, stopping the host daemons) come last.
"""

import json
import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import napalm
import pytest
import yaml
from napalm.base import validate
from napalm.base.exceptions import CommitConfirmException, CommitError, MergeConfigException, ReplaceConfigException

from napalm_frr import FRRDriver
from napalm_frr.transport import Result
from netops.render.secrets import SECRETS, substitute
from tests.napalm_frr.routers import CHRONYD, LLDPD, Routers, bootstrap_config, host_files, private_routers, why_not

pytestmark = pytest.mark.device
REPO = Path(__file__).resolve().parents[2]
DEVICE = "ubnd-phuong-phuc-xa-r01"
TEST_SECRETS = {name: f"Tst{index}-{name[:6]}" for index, name in enumerate(SECRETS)}


@pytest.fixture(scope="module")
def routers() -> Iterator[Routers]:
    """Three chained routers with OSPF and iBGP up (the last serves time); the first has the rendered device's
    name (its hostname is the FRR instance's, as in the lab: a config naming another host would never match the
    running one)."""
    reason = why_not()
    if reason:
        pytest.skip(f"real FRR over SSH: {reason}")
    with private_routers(3, hostnames=[DEVICE]) as handle:
        yield handle


@pytest.fixture(scope="module")
def rendered(routers: Routers, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The access router's frr.conf from `netops render` (tokens, not secrets)."""
    out = tmp_path_factory.mktemp("render")
    subprocess.run([str(REPO / ".venv" / "bin" / "netops"), "render", "--device", DEVICE, "--out", str(out)],
                   check=True, capture_output=True, cwd=REPO, timeout=120)
    return out / "frr" / f"{DEVICE}.cfg"


@pytest.fixture
def device(routers: Routers) -> Iterator[FRRDriver]:
    """An open driver on the first router; afterwards the router is back on its bootstrap config."""
    router = routers.routers[0]
    driver = napalm.get_network_driver("frr")(router.address, routers.user, "", timeout=30,
                                               optional_args=routers.optional_args())
    driver.open()
    yield driver
    if driver.has_pending_commit():
        driver.confirm_commit()
    driver.load_replace_candidate(config=bootstrap_config(0, 2, router))
    driver.commit_config()
    driver.close()


def _running(driver: FRRDriver) -> str:
    return str(driver.get_config(retrieve="running")["running"])


def _startup(driver: FRRDriver) -> str:
    return str(driver.get_config(retrieve="startup")["startup"])


def test_open_and_getters(device: FRRDriver) -> None:
    facts = device.get_facts()
    assert facts["hostname"] == DEVICE and facts["os_version"].startswith("8.4")
    assert {"lo", "mgmt0", "eth2"} <= set(facts["interface_list"])
    peers = device.get_bgp_neighbors()["global"]["peers"]
    assert peers["192.0.2.2"]["is_up"] and peers["192.0.2.2"]["remote_id"] == "10.255.0.2"
    assert device.get_bgp_neighbors_detail()["global"][65000][0]["connection_state"] == "Established"
    assert device.get_interfaces_ip()["lo"]["ipv4"]["10.255.0.1"]["prefix_length"] == 32
    routes = device.get_route_to("10.255.0.2", protocol="ospf")["10.255.0.2/32"]
    assert routes[0]["current_active"] and routes[0]["outgoing_interface"] == "eth2"
    assert device.ping("10.255.0.2", count=2)["success"]["packet_loss"] == 0
    assert device.get_interfaces_counters()["eth2"]["rx_octets"] > 0
    assert device.is_alive() == {"is_alive": True}


def test_compliance_report_reads_the_router_in_one_vtysh_call(device: FRRDriver,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """vtysh -E on real FRR: the report's getters are answered from one vtysh call, with the report the getters
    give one by one."""
    spec = [{"get_interfaces": {"lo": {"is_up": True}, "eth2": {"is_up": True}}},
            {"get_interfaces_ip": {"lo": {"ipv4": {"10.255.0.1": {"prefix_length": 32}}}}},
            {"get_bgp_neighbors": {"global": {"peers": {"192.0.2.2": {"is_up": True, "remote_as": 65000}}}}}]
    transport = device._transport
    assert transport is not None
    commands: list[str] = []
    run = transport.run

    def counted(command: str, stdin: str | None = None, timeout: float = 60) -> Result:
        commands.append(command)
        return run(command, stdin, timeout)

    monkeypatch.setattr(transport, "run", counted)
    report = device.compliance_report(validation_source=spec)
    assert report["complies"], report
    assert commands == ["vtysh -E -c 'show interface json' -c 'show bgp vrf all neighbors json' "
                        "-c 'show bgp vrf all summary json'"]
    assert report == validate.compliance_report(device, validation_source=spec)  # the getters one by one
    assert len(commands) == 5


def test_replace_with_rendered_config_commit_confirm(device: FRRDriver, rendered: Path) -> None:
    """A rendered config replaces the running one; committed with revert_in, confirmed; a second load is a no-op."""
    candidate = substitute(rendered.read_text(), TEST_SECRETS)
    device.load_replace_candidate(config=candidate)
    diff = device.compare_config()
    assert "router bgp 65010" in diff and "no router bgp 65000" in diff
    device.commit_config(revert_in=60)
    assert device.has_pending_commit()
    device.confirm_commit()
    assert not device.has_pending_commit()
    running = _running(device)
    assert "router bgp 65010" in running and "router bgp 65000" not in running
    assert "router bgp 65010" in device.get_config(retrieve="startup")["startup"]
    device.load_replace_candidate(config=candidate)
    assert device.compare_config() == ""
    device.discard_config()
    with pytest.raises(CommitConfirmException):
        device.confirm_commit()


def test_unconfirmed_commit_rolls_itself_back(device: FRRDriver, routers: Routers) -> None:
    """Nobody confirms: the router's own timer reloads the previous config, in memory and in frr.conf."""
    before = _running(device)
    device.load_merge_candidate(config="ip route 10.99.0.0/24 Null0\n")
    device.commit_config(revert_in=8)  # time for the next load and commit attempt before the timer fires
    assert "ip route 10.99.0.0/24 Null0" in _running(device)
    with pytest.raises(CommitError, match="waiting for confirmation"):
        device.load_merge_candidate(config="ip route 10.98.0.0/24 Null0\n")
        device.commit_config()
    device.discard_config()
    deadline = time.monotonic() + 30
    while device.has_pending_commit() or (routers.routers[0].config_dir / "napalm-frr/pending.reverting").exists():
        assert time.monotonic() < deadline, "the revert timer did not fire"
        time.sleep(0.2)
    assert _running(device) == before
    assert "10.99.0.0" not in device.get_config(retrieve="startup")["startup"]


def test_rollback(device: FRRDriver) -> None:
    before = _running(device)
    device.load_merge_candidate(config="ip route 10.97.0.0/24 Null0\n")
    assert "ip route 10.97.0.0/24 Null0" in device.compare_config()
    device.commit_config()
    assert "10.97.0.0" in _running(device)
    device.rollback()
    assert _running(device) == before


def test_syntax_error_refused_router_untouched(device: FRRDriver, routers: Routers) -> None:
    before = _running(device)
    startup = device.get_config(retrieve="startup")["startup"]
    config = bootstrap_config(0, 2, routers.routers[0])
    number = len(config.splitlines()) + 1
    with pytest.raises(ReplaceConfigException, match=f"line {number} `this is no command`: % Unknown command"):
        device.load_replace_candidate(config=config + "this is no command\n")
    assert _running(device) == before
    assert device.get_config(retrieve="startup")["startup"] == startup
    assert not (routers.routers[0].config_dir / "napalm-frr" / "candidate.conf").exists()
    assert device.compare_config() == ""


def test_merge_no_line_removes_the_route(device: FRRDriver) -> None:
    """`no ip route X` merged: the diff deletes the route, the commit removes it from running and frr.conf."""
    device.load_merge_candidate(config="ip route 10.99.0.0/24 Null0\n")
    device.commit_config()
    assert "ip route 10.99.0.0/24 Null0" in _running(device)
    device.load_merge_candidate(config="no ip route 10.99.0.0/24 Null0\n")
    assert device.compare_config() == "Lines To Add\n============\nno ip route 10.99.0.0/24 Null0"
    device.commit_config()
    assert "10.99.0.0" not in _running(device)
    assert "10.99.0.0" not in _startup(device)
    assert "10.99.0.0/24" not in json.dumps(device.get_route_to("10.99.0.0/24"))
    # Merged again, the route is absent: nothing to do (as EOS and IOS treat it), an empty diff, a clean commit.
    before = _running(device)
    device.load_merge_candidate(config="no ip route 10.99.0.0/24 null0\n")
    assert device.compare_config() == ""
    device.commit_config()
    assert _running(device) == before


def test_merge_with_abbreviated_keywords(device: FRRDriver) -> None:
    """vtysh reads `ip rout` as `ip route`: the merge does too, for `no` lines and for the check."""
    device.load_merge_candidate(config="ip rout 10.99.0.0/24 Null0\n")
    device.commit_config()
    assert "ip route 10.99.0.0/24 Null0" in _running(device)
    device.load_merge_candidate(config="ip rout 10.99.0.0/24 Null0\n")
    assert device.compare_config() == ""
    device.load_merge_candidate(config="no ip rout 10.99.0.0/24 Null0\ninterface eth2\n no ip ospf hello\n")
    device.commit_config()
    running = _running(device)
    assert "10.99.0.0" not in running and "hello-interval" not in running


def test_merge_of_no_for_absent_statements_is_a_no_op(device: FRRDriver) -> None:
    before = _running(device)
    device.load_merge_candidate(config="no ip route 10.98.0.0/24 Null0\nrouter ospf\n no network 10.5.0.0/24 area 0\n"
                                       "exit\ninterface eth9\n no ip ospf cost\nexit\nno router bgp 65099\n")
    assert device.compare_config() == ""
    device.commit_config()
    assert _running(device) == before


def test_merge_no_lines_in_blocks_and_whole_blocks(device: FRRDriver) -> None:
    """`no` of interface and router sub-commands, of a whole `router bgp`; then rollback brings all back."""
    device.load_merge_candidate(config="router ospf\n redistribute static\nexit\ninterface eth2\n ip ospf cost 7\n")
    device.commit_config()
    before = _running(device)
    assert "redistribute static" in before and "ip ospf cost 7" in before
    merge = ("interface eth2\n no ip ospf cost\nexit\nrouter ospf\n no redistribute static\nexit\n"
             "router bgp 65000\n no neighbor 192.0.2.2 timers connect\nexit\nno router bgp 65000\n")
    device.load_merge_candidate(config=merge)
    diff = device.compare_config()
    assert "no router bgp 65000" in diff and " no ip ospf cost 7" in diff and " no redistribute static" in diff
    device.commit_config()
    running = _running(device)
    assert "router bgp" not in running and "ip ospf cost" not in running and "redistribute" not in running
    assert "ip ospf hello-interval 1" in running  # the rest of the interface stays
    device.rollback()
    assert _running(device) == before


def test_merge_settings_shown_in_their_no_form(device: FRRDriver) -> None:
    """`no bgp default ipv4-unicast` is applied (FRR shows it); `bgp ebgp-requires-policy` restores the
    default, which removes the shown `no bgp ebgp-requires-policy`."""
    assert " no bgp ebgp-requires-policy" in _running(device)
    device.load_merge_candidate(config="router bgp 65000\n no bgp default ipv4-unicast\n bgp ebgp-requires-policy\n")
    assert device.compare_config() != ""
    device.commit_config()
    running = _running(device)
    assert " no bgp default ipv4-unicast" in running and "ebgp-requires-policy" not in running
    device.load_merge_candidate(config="router bgp 65000\n no bgp default ipv4-unicast\n")
    assert device.compare_config() == ""  # applied once, nothing to do the second time
    # FRR shows no line that sets a default: merged again, `bgp ebgp-requires-policy` cannot be checked, and the
    # commit says so and restores (a merge that cannot be seen to take effect is not reported done).
    device.load_merge_candidate(config="router bgp 65000\n bgp ebgp-requires-policy\n")
    with pytest.raises(CommitError, match=r"line 2 `bgp ebgp-requires-policy`.*sets a default value"):
        device.commit_config()
    assert _running(device) == running


def test_merge_loaded_before_another_commit_is_refused(device: FRRDriver, routers: Routers) -> None:
    """A merge loaded, then another session commits: committing the merge would undo that commit; refused."""
    device.load_merge_candidate(config="ip route 10.97.0.0/24 Null0\n")
    other = FRRDriver(routers.routers[0].address, routers.user, "", timeout=30, optional_args={
        **routers.optional_args(), "state_dir": "/etc/frr/napalm-frr-other"})
    other.open()
    other.load_merge_candidate(config="ip route 10.95.0.0/24 Null0\n")
    other.commit_config()
    other.close()
    with pytest.raises(CommitError, match="changed since the merge was loaded"):
        device.commit_config()
    running = _running(device)
    assert "ip route 10.95.0.0/24 Null0" in running and "10.97.0.0" not in running


def test_merge_with_bad_line_2_names_it(device: FRRDriver, routers: Routers) -> None:
    """The error names the user's line 2 and its text, not the line of running config + merge."""
    before = _running(device)
    with pytest.raises(MergeConfigException) as raised:
        device.load_merge_candidate(config="ip route 10.98.0.0/24 Null0\nbogus command here\n")
    assert "line 2 `bogus command here`: % Unknown command" in str(raised.value)
    assert _running(device) == before
    assert not list((routers.routers[0].config_dir / "napalm-frr").glob("*.conf.*"))
    assert not (routers.routers[0].config_dir / "napalm-frr" / "merge.conf").exists()
    assert device.compare_config() == ""
    with pytest.raises(CommitError, match="no candidate loaded"):
        device.commit_config()


def test_merge_that_does_not_take_effect_is_rolled_back(device: FRRDriver) -> None:
    """A line FRR accepts but does not show afterwards (a value equal to the default) cannot be checked:
    CommitError naming it, previous config restored."""
    before = _running(device)
    device.load_merge_candidate(config="ip route 10.97.0.0/24 Null0\ninterface eth2\n ip ospf hello-interval 10\n")
    with pytest.raises(CommitError, match=r"line 3 `ip ospf hello-interval 10` \(in `interface eth2`\): not in the "
                                          r"running config.*previous config restored: True"):
        device.commit_config(revert_in=60)
    assert not device.has_pending_commit()  # the revert timer was stopped: the restore is done already
    assert _running(device) == before
    assert "10.97.0.0" not in _startup(device)


def test_merge_frr_refuses_at_commit_is_rolled_back(device: FRRDriver) -> None:
    """ospfd refuses `network` while interfaces carry `ip ospf area`: CommitError, nothing changed."""
    before = _running(device)
    device.load_merge_candidate(config="ip route 10.97.0.0/24 Null0\nrouter ospf\n network 10.9.0.0/24 area 0\n")
    with pytest.raises(CommitError, match=r"frr-reload\.py --reload failed.*previous config restored: True"):
        device.commit_config()
    assert _running(device) == before


def test_compare_config_has_no_stray_newline(device: FRRDriver, routers: Routers) -> None:
    """Merge, replace and nothing-to-do: no trailing newline; nothing to do is "" exactly."""
    device.load_merge_candidate(config="ip route 10.97.0.0/24 Null0\n")
    merge = device.compare_config()
    assert merge == "Lines To Add\n============\nip route 10.97.0.0/24 Null0"
    device.load_replace_candidate(config=bootstrap_config(0, 2, routers.routers[0]) + "ip route 10.97.0.0/24 Null0\n")
    assert device.compare_config() == merge
    device.load_replace_candidate(config=bootstrap_config(0, 2, routers.routers[0]))
    assert device.compare_config() == ""
    device.load_merge_candidate(config="! only a comment\n")
    assert device.compare_config() == ""
    device.discard_config()
    assert device.compare_config() == ""


def test_candidate_with_only_comments(device: FRRDriver) -> None:
    """Merged: nothing to do. Replacing with it would wipe the router: refused."""
    before = _running(device)
    device.load_merge_candidate(config="! nothing\n\n")
    device.commit_config()
    assert _running(device) == before
    with pytest.raises(ReplaceConfigException, match="only comments"):
        device.load_replace_candidate(config="! nothing\n")
    with pytest.raises(CommitError, match="no candidate loaded"):
        device.commit_config()
    assert _running(device) == before


def test_commit_twice_and_discard_then_commit(device: FRRDriver) -> None:
    device.load_merge_candidate(config="ip route 10.97.0.0/24 Null0\n")
    device.commit_config()
    after = _running(device)
    with pytest.raises(CommitError, match="no candidate loaded"):
        device.commit_config()
    device.load_merge_candidate(config="ip route 10.96.0.0/24 Null0\n")
    device.discard_config()
    with pytest.raises(CommitError, match="no candidate loaded"):
        device.commit_config()
    assert _running(device) == after and "10.96.0.0" not in after


def _playbook(routers: Routers, rendered: Path, tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    router = routers.routers[0]
    inventory = {"routers": {"hosts": {router.hostname: {
        "ansible_host": router.address,
        "ansible_connection": "local",
        "ansible_python_interpreter": "{{ ansible_playbook_python }}",
        "netops_napalm_driver": "frr",
        "netops_username": routers.user,
        "netops_napalm_optional_args": routers.optional_args(),
        "netops_config": str(rendered),
        "netops_backup_dir": str(tmp / "backups"),
    }}}}
    (tmp / "inventory.yml").write_text(yaml.safe_dump(inventory))
    env = {**os.environ, **{f"NETOPS_SECRET_{name.upper()}": value for name, value in TEST_SECRETS.items()},
           "ANSIBLE_CONFIG": str(REPO / "ansible.cfg"), "ANSIBLE_STDOUT_CALLBACK": "default"}
    return subprocess.run([str(REPO / ".venv" / "bin" / "ansible-playbook"), "-i", str(tmp / "inventory.yml"),
                           str(Path(__file__).parent / "playbooks" / "push.yml"), *args],
                          capture_output=True, text=True, cwd=REPO, env=env, timeout=300)


def _recap(output: str) -> dict[str, int]:
    line = next(line for line in output.splitlines() if line.startswith(DEVICE) and "ok=" in line)
    return {key: int(value) for key, value in (item.split("=") for item in line.split()[2:])}


def test_ansible_check_then_push_then_idempotent(device: FRRDriver, routers: Routers, rendered: Path,
                                               tmp_path: Path) -> None:
    before = _running(device)
    check = _playbook(routers, rendered, tmp_path, "--check", "--diff")
    assert check.returncode in (0, 2), check.stdout + check.stderr
    assert "router bgp 65010" in check.stdout  # the diff is shown
    assert _running(device) == before  # and nothing changed
    assert not (tmp_path / "backups").exists()
    first = _playbook(routers, rendered, tmp_path, "--diff", "-v")
    assert first.returncode == 0, first.stdout + first.stderr
    assert _recap(first.stdout)["changed"] == 1
    assert "router bgp 65010" in _running(device)
    backup = (tmp_path / "backups" / f"{DEVICE}.cfg").read_text()
    assert backup == before and oct((tmp_path / "backups" / f"{DEVICE}.cfg").stat().st_mode & 0o777) == "0o600"
    second = _playbook(routers, rendered, tmp_path, "--diff", "-v")
    assert second.returncode == 0, second.stdout + second.stderr
    assert _recap(second.stdout)["changed"] == 0 and _recap(second.stdout)["failed"] == 0
    for run in (check, first, second):
        for value in TEST_SECRETS.values():
            assert value not in run.stdout + run.stderr, "a secret value reached Ansible's output"
    assert "$NETOPS_SECRET{ospf_key}" in first.stdout  # the diff carries the token instead
    assert not device.has_pending_commit()


def test_modules_report_json(routers: Routers) -> None:
    """netops_getters' results are NAPALM's, through an ad-hoc `ansible -m citynet.netops.netops_getters` run."""
    router = routers.routers[0]
    arguments = {"hostname": router.address, "username": routers.user, "optional_args": routers.optional_args(),
                 "getters": ["get_facts", "get_ntp_servers"]}
    result = subprocess.run(
        [str(REPO / ".venv" / "bin" / "ansible"), "all", "-i", f"{router.address},", "-c", "local", "-o",
         "-e", "ansible_python_interpreter={{ ansible_playbook_python }}", "-m", "citynet.netops.netops_getters",
         "-a", json.dumps(arguments)],
        capture_output=True, text=True, cwd=REPO, timeout=120,
        env={**os.environ, "ANSIBLE_CONFIG": str(REPO / "ansible.cfg"), "ANSIBLE_INVENTORY_ENABLED": "host_list"})
    assert result.returncode == 0, result.stdout + result.stderr
    results = json.loads(result.stdout.split("SUCCESS => ", 1)[1])["results"]
    assert results["facts"]["vendor"] == "FRRouting"
    assert list(results["ntp_servers"]) == ["10.255.0.3"]


def _until(what: str, predicate: object, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():  # type: ignore[operator]
        assert time.monotonic() < deadline, what
        time.sleep(0.5)


def _open(routers: Routers, index: int) -> FRRDriver:
    driver = FRRDriver(routers.routers[index].address, routers.user, "", timeout=30,
                       optional_args=routers.optional_args())
    driver.open()
    return driver


def test_host_getters_read_what_the_box_was_given(device: FRRDriver, routers: Routers) -> None:
    """chrony's servers and peer, the source it synchronised to, snmpd's identity, the login user with its key and
    level, this machine's CPUs and memory, the interfaces of the default instance."""
    given = host_files(0, 3, routers.routers[0])
    chrony = given["chrony/chrony.conf"].splitlines()
    servers = {line.split()[1] for line in chrony if line.startswith("server ")}
    assert servers == {"10.255.0.3"} and set(device.get_ntp_servers()) == servers
    assert device.get_ntp_servers()["10.255.0.3"]["iburst"] is True
    assert device.get_ntp_peers() == {line.split()[1]: {} for line in chrony if line.startswith("peer ")}
    if CHRONYD.exists():
        _until("chrony did not synchronise to the third router",
               lambda: any(s["synchronized"] for s in device.get_ntp_stats()))
        [source] = [s for s in device.get_ntp_stats() if s["synchronized"]]
        assert source["remote"] == "10.255.0.3" and source["stratum"] == 8 and source["reachability"] > 0
    snmp = device.get_snmp_information()
    assert snmp == {"chassis_id": DEVICE, "location": "Test rack 1", "contact": "noc@example.net", "community": {}}
    users = device.get_users()
    key = Path(f"{routers.key_file}.pub").read_text().strip()
    assert users[routers.user] == {"level": 15, "password": "", "sshkeys": [key]}
    assert users["root"]["level"] == 15
    environment = device.get_environment()
    assert len(environment["cpu"]) == os.sysconf("SC_NPROCESSORS_ONLN")
    assert all(0.0 <= cpu["%usage"] <= 100.0 for cpu in environment["cpu"].values())
    total = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                 if line.startswith("MemTotal:"))
    assert environment["memory"]["available_ram"] == total * 1024
    assert 0 < environment["memory"]["used_ram"] < total * 1024
    links = json.loads(subprocess.run(["ip", "-n", routers.routers[0].netns, "-j", "link", "show"],
                                      capture_output=True, text=True, check=True).stdout)
    instances = device.get_network_instances()
    assert list(instances) == ["default"]
    assert set(instances["default"]["interfaces"]["interface"]) == {link["ifname"] for link in links}


def test_uptime_is_frrs(device: FRRDriver, routers: Routers) -> None:
    """get_facts' uptime is zebra's age (the FRR instance's), not the host's."""
    pid = Path(f"/var/run/frr/{routers.routers[0].netns}/zebra.pid").read_text().strip()
    age = int(subprocess.run(["ps", "-o", "etimes=", "-p", pid], capture_output=True, text=True,
                             check=True).stdout)
    uptime = device.get_facts()["uptime"]
    assert abs(uptime - age) <= 2
    assert uptime < float(Path("/proc/uptime").read_text().split()[0])


@pytest.mark.skipif(not LLDPD.exists(), reason="lldpd is not installed (scripts/install-system-packages)")
def test_lldp_neighbour_over_a_veth(device: FRRDriver) -> None:
    """lldpd of the second router, seen across the eth2-eth1 veth: its name, its port, a router."""
    assert device.get_lldp_neighbors() == {"eth2": [{"hostname": "frr-r1", "port": "eth1"}]}
    [detail] = device.get_lldp_neighbors_detail()["eth2"]
    assert detail["remote_system_name"] == "frr-r1" and detail["remote_port"] == "eth1"
    assert "router" in detail["remote_system_enable_capab"] and detail["remote_chassis_id"]
    assert device.get_lldp_neighbors_detail(interface="mgmt0") == {}


def test_traceroute_across_two_routers(device: FRRDriver) -> None:
    """The third router's loopback is two hops away: the second router's link address, then the loopback."""
    _until("no route to the third router", lambda: device.get_route_to("10.255.0.3", protocol="ospf"))
    hops = device.traceroute("10.255.0.3", ttl=5, timeout=1)["success"]
    assert list(hops) == [1, 2]
    assert {probe["ip_address"] for probe in hops[1]["probes"].values()} == {"192.0.2.2"}
    assert {probe["ip_address"] for probe in hops[2]["probes"].values()} == {"10.255.0.3"}


def test_last_flapped_after_the_link_goes_down_and_up(device: FRRDriver, routers: Routers) -> None:
    """zebra saw no change on eth2 since it started (-1.0); after a down/up it is the seconds since, growing."""
    netns = routers.routers[0].netns
    before = device.get_interfaces()["eth2"]["last_flapped"]
    assert before == -1.0
    for state in ("down", "up"):
        subprocess.run(["ip", "-n", netns, "link", "set", "eth2", state], check=True)
    _until("eth2 did not come back up", lambda: device.get_interfaces()["eth2"]["is_up"])
    first = device.get_interfaces()["eth2"]["last_flapped"]
    time.sleep(1.5)
    second = device.get_interfaces()["eth2"]["last_flapped"]
    assert 0.0 <= first < second and second - first >= 1.0


def test_host_getters_without_their_daemons(routers: Routers) -> None:
    """The third router with chronyd and lldpd stopped and no chrony.conf or snmpd.conf: NAPALM's "nothing
    configured" from every host getter, no error."""
    router = routers.routers[2]
    routers.strip_host(router)
    driver = _open(routers, 2)
    assert driver.get_ntp_servers() == {} and driver.get_ntp_peers() == {} and driver.get_ntp_stats() == []
    assert driver.get_snmp_information() == {"chassis_id": "", "community": {}, "contact": "", "location": ""}
    assert driver.get_lldp_neighbors() == {} and driver.get_lldp_neighbors_detail() == {}
    driver.close()
