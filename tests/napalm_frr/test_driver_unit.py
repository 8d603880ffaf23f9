"""napalm_frr against outputs recorded from a real FRR 8.4.

mocked_data/ is rewritten by `python -m tests.napalm_frr.record` (root), never by hand.

Every getter's result equals the recorded driver result and conforms to NAPALM's own models
(napalm.base.models, checked with napalm's test helper); method signatures match NetworkDriver's.
"""

import datetime
import inspect
import json
import typing
from pathlib import Path
from typing import Any

import napalm
import pytest
from napalm.base import NetworkDriver, models, validate
from napalm.base.exceptions import CommitError, MergeConfigException, ReplaceConfigException

from napalm_frr import FRRDriver, parse
from napalm_frr.driver import CommandError, split_echoed
from napalm_frr.transport import ReplayTransport, Result

MOCKED = Path(__file__).resolve().parent / "mocked_data"
#: The recorded calls of one driver method (args.json); the other folders are BaseTestGetters' own tests
#: (test_napalm_getters.py), recorded through their bodies.
GETTER_CASES = sorted(p for p in MOCKED.glob("test_*/*")
                      if (p / "args.json").exists() and p.parent.name != "test_config")


def conforms(model: Any, data: Any) -> bool:
    """napalm.base.test.helpers.test_model, also for fields typed Dict[...] / List[...]: same keys, right types."""
    annotations = model.__annotations__
    assert isinstance(data, dict) and set(data) == set(annotations), (sorted(annotations), sorted(data))
    for key, kind in annotations.items():
        origin = typing.get_origin(kind) or kind
        assert isinstance(data[key], origin), (key, kind, data[key])
    return True


def _device(case: Path) -> tuple[FRRDriver, ReplayTransport]:
    transport = ReplayTransport(case)
    device = FRRDriver("replayed", "netops", "", optional_args={"transport": transport})
    device.open()
    return device, transport


def _call(case: Path) -> Any:
    """The recorded call of a case folder: mocked_data/test_<method>/<case>/ or mocked_data/<group>/test_<method>/."""
    device, _ = _device(case)
    method = (case.name if case.name.startswith("test_") else case.parent.name).removeprefix("test_")
    return getattr(device, method)(**json.loads((case / "args.json").read_text()))


def test_found_by_napalm() -> None:
    assert napalm.get_network_driver("frr") is FRRDriver


def test_method_signatures() -> None:
    """Every public method has NetworkDriver's signature (napalm.base.test.getters.test_method_signatures)."""
    device = FRRDriver(hostname="test", username="admin", password="pwd")
    errors = {}
    for name, method in inspect.getmembers(device, inspect.ismethod):
        if name.startswith("_"):
            continue
        assert hasattr(NetworkDriver, name), f"{name} is not a NetworkDriver method"
        if inspect.getfullargspec(getattr(NetworkDriver, name))[:4] != inspect.getfullargspec(method)[:4]:
            errors[name] = (inspect.getfullargspec(getattr(NetworkDriver, name))[:4],
                            inspect.getfullargspec(method)[:4])
    init = inspect.getfullargspec(FRRDriver.__init__)[:4]
    assert init == inspect.getfullargspec(NetworkDriver.__init__)[:4]
    assert not errors


@pytest.mark.parametrize("case", GETTER_CASES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_replayed_result(case: Path) -> None:
    """The driver turns the recorded outputs into the recorded result (JSON round trip: int keys become str)."""
    result = json.loads(json.dumps(_call(case)))
    assert result == json.loads((case / "expected_result.json").read_text())


def _check_shapes(method: str, result: Any) -> None:
    match method:
        case "get_facts":
            assert conforms(models.FactsDict, result)
        case "get_interfaces":
            assert result and all(conforms(models.InterfaceDict, v) for v in result.values())
        case "get_interfaces_ip":
            for families in result.values():
                assert set(families) <= {"ipv4", "ipv6"}
                for addresses in families.values():
                    assert all(conforms(models.InterfacesIPDictEntry, v) for v in addresses.values())
        case "get_interfaces_counters":
            assert result and all(conforms(models.InterfaceCounterDict, v) for v in result.values())
        case "get_bgp_neighbors":
            assert "global" in result
            for vrf in result.values():
                assert conforms(models.BGPStateNeighborsPerVRFDict, vrf) and vrf["peers"]
                for peer in vrf["peers"].values():
                    assert conforms(models.BGPStateNeighborDict, peer)
                    assert all(conforms(models.BGPStateAddressFamilyDict, af) for af in peer["address_family"].values())
        case "get_bgp_neighbors_detail":
            for by_as in result.values():
                for asn, peers in by_as.items():
                    assert isinstance(asn, int)
                    assert peers and all(conforms(models.PeerDetailsDict, p) for p in peers)
        case "get_route_to":
            assert result and all(conforms(models.RouteDict, r) for routes in result.values() for r in routes)
        case "get_arp_table":
            assert result and all(conforms(models.ARPTableDict, e) for e in result)
        case "get_lldp_neighbors":
            assert result and all(conforms(models.LLDPNeighborDict, n) for ns in result.values() for n in ns)
        case "get_lldp_neighbors_detail":
            assert result and all(conforms(models.LLDPNeighborDetailDict, n) for ns in result.values() for n in ns)
        case "get_ipv6_neighbors_table":
            assert all(conforms(models.IPV6NeighborDict, n) for n in result)
        case "get_ntp_servers":
            assert result and all(set(s) <= set(models.NTPServerDict.__annotations__) for s in result.values())
        case "get_ntp_peers":
            assert result and all(s == {} for s in result.values())
        case "get_ntp_stats":
            assert result and all(conforms(models.NTPStats, s) for s in result)
        case "get_snmp_information":
            assert conforms(models.SNMPDict, result)
            assert all(conforms(models.SNMPCommunityDict, c) for c in result["community"].values())
        case "get_users":
            assert result and all(conforms(models.UsersDict, u) for u in result.values())
        case "get_environment":
            assert set(result) == set(models.EnvironmentDict.__annotations__) and result["cpu"]
            assert all(conforms(models.CPUDict, c) for c in result["cpu"].values())
            assert conforms(models.MemoryDict, result["memory"])
        case "get_network_instances":
            assert result["default"]["type"] == "DEFAULT_INSTANCE"
            for instance in result.values():
                assert conforms(models.NetworkInstanceDict, instance)
                assert conforms(models.NetworkInstanceStateDict, instance["state"])
                assert conforms(models.NetworkInstanceInterfacesDict, instance["interfaces"])
        case "get_config":
            assert conforms(models.ConfigDict, result)
            assert result["running"].startswith("frr version")
        case "cli":
            assert all(isinstance(v, str) and v for v in result.values())
        case "ping":
            assert conforms(models.PingDict, result["success"])
            assert all(conforms(models.PingResultDictEntry, r) for r in result["success"]["results"])
        case "traceroute":
            for hop in result["success"].values():
                assert all(conforms(models.TracerouteDict, p) for p in hop["probes"].values())
        case _:
            pytest.fail(f"no shape check for {method}")


@pytest.mark.parametrize("case", GETTER_CASES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_conforms_to_napalm_models(case: Path) -> None:
    _check_shapes(case.parent.name.removeprefix("test_"), _call(case))


CONFIG_CASES = sorted((MOCKED / "test_config").glob("*"))


def _load_case(case: Path) -> tuple[FRRDriver, ReplayTransport, Any]:
    """Replay a recorded config case: load its candidate (merge or replace) and compare; (driver, transport,
    the result or the exception)."""
    device, transport = _device(case)
    merge = json.loads((case / "args.json").read_text())["merge"]
    load = device.load_merge_candidate if merge else device.load_replace_candidate
    try:
        load(config=(case / "candidate.conf").read_text())
        return device, transport, device.compare_config()
    except Exception as error:
        return device, transport, error


@pytest.mark.parametrize("case", CONFIG_CASES, ids=lambda p: p.name)
def test_config_case_replayed(case: Path) -> None:
    """The recorded diff, or the recorded exception; a diff never ends with a newline (NAPALM's config tests
    compare it with the stripped expected diff)."""
    _, _, result = _load_case(case)
    expected = json.loads((case / "expected_result.json").read_text())
    if "exception" in expected:
        assert type(result).__name__ == expected["exception"]
    else:
        assert result == expected["result"] and not result.endswith("\n")


def test_config_cases_were_recorded() -> None:
    assert {case.name for case in CONFIG_CASES} >= {"syntax-error", "changed", "merge-no-route", "merge-bad-line-2",
                                                    "merge-absent-negation", "merge-in-blocks", "merge-only-comments"}


def test_syntax_error_refused_before_anything_runs() -> None:
    """vtysh -C refuses the candidate: ReplaceConfigException naming the line, the staged file is removed,
    no reload ran."""
    device, transport, error = _load_case(MOCKED / "test_config" / "syntax-error")
    assert isinstance(error, ReplaceConfigException)
    lines = (MOCKED / "test_config" / "syntax-error" / "candidate.conf").read_text().splitlines()
    assert f"line {len(lines)} `bogus command here`: % Unknown command" in str(error)
    [command] = transport.commands  # staged, checked, removed on refusal: no reload ran
    assert "vtysh -C -f" in command and "rm -f" in command
    assert device.compare_config() == ""


def test_merge_error_names_the_users_line() -> None:
    """The merge lines are checked on their own: vtysh's line number is the user's (not running + merge)."""
    device, transport, error = _load_case(MOCKED / "test_config" / "merge-bad-line-2")
    assert isinstance(error, MergeConfigException)
    assert "line 2 `bogus command here`: % Unknown command" in str(error)
    assert not any("show running-config" in command or "frr-reload" in command for command in transport.commands)
    assert device.get_config(retrieve="candidate")["candidate"] == ""


def test_merge_of_no_line_leaves_the_negated_statement_out() -> None:
    """The candidate of `no ip route X` no longer holds `ip route X`, so frr-reload.py deletes it."""
    device, _, diff = _load_case(MOCKED / "test_config" / "merge-no-route")
    candidate = device.get_config(retrieve="candidate")["candidate"]
    running = (MOCKED / "test_config" / "merge-no-route" / "vtysh_-c_show_running-config.txt").read_text()
    assert "ip route 10.99.0.0/24 Null0" in running
    assert "ip route 10.99.0.0/24 Null0" not in candidate and "no ip route 10.99.0.0/24 Null0" in diff


def test_replace_with_only_comments_refused() -> None:
    device, transport = _device(MOCKED / "test_config" / "changed")
    with pytest.raises(ReplaceConfigException, match="only comments"):
        device.load_replace_candidate(config="! nothing here\n\n")
    assert transport.commands == []


def test_unreadable_candidate_file_is_a_config_error(tmp_path: Path) -> None:
    device, transport = _device(MOCKED / "test_config" / "changed")
    with pytest.raises(MergeConfigException, match="cannot read the candidate"):
        device.load_merge_candidate(filename=str(tmp_path / "missing.conf"))
    assert transport.commands == []


class ScriptedTransport:
    """Answers commands from a list of (prefix, Result), in order of registration for each prefix: a commit's
    sequence, where `show running-config` answers differently before and after (a mock for the commit logic)."""

    def __init__(self, answers: list[tuple[str, Result]]) -> None:
        self.answers = answers
        self.commands: list[str] = []

    def run(self, command: str, stdin: str | None = None, timeout: float = 60) -> Result:
        self.commands.append(command)
        for index, (prefix, result) in enumerate(self.answers):
            if command.startswith(prefix):
                if sum(1 for p, _ in self.answers if p == prefix) > 1:
                    del self.answers[index]
                return result
        return Result(0, "", "")

    def close(self) -> None:
        """Nothing to close."""

    def is_alive(self) -> bool:
        return True


def test_commit_of_a_merge_on_a_changed_running_config_is_refused() -> None:
    """Someone committed between load and commit: the merge's whole-config candidate would undo it."""
    case = MOCKED / "test_config" / "merge-no-route"
    text = (case / "vtysh_-c_show_running-config.txt").read_text()
    running = Result(0, text, "")
    changed = Result(0, text.replace("hostname frr-r0", "hostname frr-r0\nip route 10.5.0.0/24 Null0"), "")
    transport = ScriptedTransport([("mkdir -p", Result(0, "no ip route 10.99.0.0/24 Null0\n\nend\n", "")),
                                   ("vtysh -c 'show running-config'", running),
                                   ("vtysh -c 'show running-config'", changed), ("test -e", Result(1, "", ""))])
    device = FRRDriver("scripted", "netops", "", optional_args={"transport": transport})
    device.open()
    device.load_merge_candidate(config="no ip route 10.99.0.0/24 Null0\n")
    with pytest.raises(CommitError, match="running config changed since the merge was loaded"):
        device.commit_config()
    assert not any("frr-reload" in command or "rollback.conf" in command for command in transport.commands)


def test_commit_of_a_merge_that_did_not_take_effect_restores_and_raises() -> None:
    """frr-reload.py exits 0 but the route is still there: CommitError naming the line, previous config reloaded."""
    case = MOCKED / "test_config" / "merge-no-route"
    running = Result(0, (case / "vtysh_-c_show_running-config.txt").read_text(), "")
    marked = Result(0, "no ip route 10.99.0.0/24 Null0\n\nend\n", "")  # what `vtysh -m` prints
    transport = ScriptedTransport([("mkdir -p", marked), ("vtysh -c 'show running-config'", running),
                                   ("test -e", Result(1, "", ""))])
    device = FRRDriver("scripted", "netops", "", optional_args={"transport": transport})
    device.open()
    device.load_merge_candidate(config="no ip route 10.99.0.0/24 Null0\n")
    with pytest.raises(CommitError, match=r"line 1 `no ip route 10.99.0.0/24 Null0`: still configured"):
        device.commit_config()
    reloads = [command for command in transport.commands if "--reload" in command]
    assert "candidate.conf" in reloads[0] and "rollback.conf" in reloads[-1]
    assert device.get_config(retrieve="candidate")["candidate"] == ""


def test_sanitize_masks_secrets() -> None:
    text = ("interface eth1\n ip ospf message-digest-key 1 md5 s3cr3t\nrouter bgp 1\n neighbor 10.0.0.1 password pw\n")
    masked = parse.sanitize(text)
    assert "s3cr3t" not in masked and " pw" not in masked and masked.count("<removed>") == 2


@pytest.mark.parametrize(("text", "seconds"), [("00:01:02", 62), ("1d02h03m", 93780), ("01w2d03h", 788400)])
def test_parse_uptime(text: str, seconds: int) -> None:
    assert parse.parse_uptime(text) == seconds


def test_ping_unreachable_is_success_with_loss() -> None:
    output = "PING 10.9.9.9 (10.9.9.9) 100(128) bytes of data.\n\n--- 10.9.9.9 ping statistics ---\n" \
             "3 packets transmitted, 0 received, 100% packet loss, time 405ms\n"
    result = parse.ping(output, "10.9.9.9")
    assert result["success"]["packet_loss"] == 3 and result["success"]["results"] == []


def test_dynamic_peers_are_reported_like_static_ones() -> None:
    """A route reflector's clients from a listen range (recorded with `--dynamic-peers`) are peers like the
    configured neighbour: same fields, up, in the city ASN."""
    case = MOCKED / "test_get_bgp_neighbors" / "core-with-dynamic-peers"
    raw = json.loads((case / "vtysh_-c_show_bgp_vrf_all_neighbors_json.json").read_text())["default"]
    dynamic = {address for address, peer in raw.items() if isinstance(peer, dict) and "peerSubnetRangeGroup" in peer}
    assert dynamic == {"10.255.0.2", "10.255.0.3"}
    peers = _call(case)["global"]["peers"]
    static = peers["192.0.2.2"]
    for address in dynamic:
        assert set(peers[address]) == set(static)
        assert peers[address]["is_up"] and peers[address]["remote_as"] == static["remote_as"] == 65000


def _two_routers_recordings(tmp_path: Path) -> Path:
    """The recorded outputs of the interface and BGP getters of the two-routers case, in one folder."""
    for getter in ("test_get_interfaces", "test_get_bgp_neighbors"):
        for recorded in (MOCKED / getter / "two-routers").glob("vtysh_*"):
            (tmp_path / recorded.name).write_text(recorded.read_text())
    return tmp_path


SPEC = [{"get_interfaces": {"lo": {"is_up": True}}},
        {"get_interfaces_ip": {"lo": {"ipv4": {"10.255.0.1": {"prefix_length": 32}}}}},
        {"get_bgp_neighbors": {"global": {"peers": {"10.255.0.2": {"is_up": True}, "10.255.0.9": {"is_up": True}}}}}]


def test_compliance_report_reads_its_getters_in_one_vtysh_call(tmp_path: Path) -> None:
    """Same report as the getters called one by one, from one vtysh process (vtysh's start is most of a show
    command's cost on a loaded router)."""
    folder = _two_routers_recordings(tmp_path)
    device, transport = _device(folder)
    report = device.compliance_report(validation_source=SPEC)
    batched = transport.commands
    assert batched == ["vtysh -E -c 'show interface json' -c 'show bgp vrf all neighbors json' "
                       "-c 'show bgp vrf all summary json'"]
    one_by_one, transport = _device(folder)
    assert report == validate.compliance_report(one_by_one, validation_source=SPEC)  # the getters, no snapshot
    assert len(transport.commands) == 4 and not any(" -E " in command for command in transport.commands)
    assert report["complies"] is False and report["get_bgp_neighbors"]["complies"] is False  # 10.255.0.9 is no peer
    device.get_interfaces()  # the snapshot ended with the report: a getter reads the router again
    assert batched[-1] == "vtysh -c 'show interface json'"


def test_a_refused_batch_leaves_each_command_to_fail_on_its_own(tmp_path: Path) -> None:
    """When vtysh refuses one command of the batch, nothing is kept from it: the getters run their commands one by
    one and fail as they would have without it."""
    folder = _two_routers_recordings(tmp_path)
    (folder / "vtysh_-c_show_bgp_vrf_all_summary_json.rc").write_text("1\n% bgpd is not running\n")
    device, transport = _device(folder)
    with pytest.raises(CommandError, match="bgpd is not running"):
        device.compliance_report(validation_source=SPEC)
    assert transport.commands[0].startswith("vtysh -E ") and transport.commands[1] == "vtysh -c 'show interface json'"


@pytest.mark.parametrize(("output", "expected"), [
    ("r1# show version\nFRRouting 8.4.4 (r1)\n\nr1# show interface json\n{\n}\n",
     {"show version": "FRRouting 8.4.4 (r1)\n\n", "show interface json": "{\n}\n"}),
    ("r1# show version\nr1# show interface json\n", {"show version": "", "show interface json": ""}),
    ("warning\nr1# show version\nx\nr1# show interface json\n{}\n", None),  # something before the first echo
    ("r1# show version\nx\n", None),  # an echo missing
    ("r1# show version\nx\nr2# show interface json\n{}\n", None),  # two prompts
])
def test_split_echoed(output: str, expected: dict[str, str] | None) -> None:
    assert split_echoed(output, ["show version", "show interface json"]) == expected


BARE_CASES = sorted((MOCKED / "bare-host").glob("test_*"))


@pytest.mark.parametrize("case", BARE_CASES, ids=lambda p: p.name)
def test_host_getters_without_their_daemons_say_nothing_configured(case: Path) -> None:
    """Recorded on a router with no chronyd, no lldpd and no snmpd.conf: NAPALM's empty answers, no error."""
    result = json.loads(json.dumps(_call(case)))
    assert result == json.loads((case / "expected_result.json").read_text())
    empty_snmp = {"chassis_id": "", "community": {}, "contact": "", "location": ""}
    assert result in ({}, [], empty_snmp)


def test_bare_host_cases_were_recorded() -> None:
    assert {case.name for case in BARE_CASES} == {"test_get_ntp_servers", "test_get_ntp_peers", "test_get_ntp_stats",
                                                  "test_get_snmp_information", "test_get_lldp_neighbors",
                                                  "test_get_lldp_neighbors_detail"}


def test_snmp_communities_and_quoted_values() -> None:
    """v1/v2c communities (rocommunity with a source, rwcommunity, com2sec) and quoted values; SNMPv3 users are
    no communities."""
    config = ('sysLocation "Data center, rack 4"  # where\nsysContact noc@example.net\nsysName core-1\n'
              "rocommunity public 10.0.0.0/8 -V systemonly\nrwcommunity private\ncom2sec local 127.0.0.1 monitor\n"
              "createUser netops SHA x AES y\nrouser netops priv\n")
    assert parse.snmp_information(config) == {
        "chassis_id": "core-1", "contact": "noc@example.net", "location": "Data center, rack 4",
        "community": {"public": {"acl": "10.0.0.0/8", "mode": "ro"}, "private": {"acl": "default", "mode": "rw"},
                      "monitor": {"acl": "127.0.0.1", "mode": "ro"}}}


def test_chrony_sources_of_every_kind() -> None:
    config = ("# comment\nserver 10.0.0.1 iburst prefer key 3\npool pool.example.net iburst maxsources 2\n"
              "peer 10.0.0.2 port 1123\n! also a comment\nserver 10.0.0.3 version 3 # trailing\ndriftfile /x\n")
    servers = parse.ntp_servers(config)
    assert list(servers) == ["10.0.0.1", "pool.example.net", "10.0.0.3"]
    assert servers["10.0.0.1"] == {"address": "10.0.0.1", "port": 123, "version": 4, "association_type": "SERVER",
                                   "iburst": True, "prefer": True, "key_id": 3}
    assert servers["pool.example.net"]["association_type"] == "POOL"
    assert servers["10.0.0.3"]["version"] == 3 and not servers["10.0.0.3"]["iburst"]
    assert parse.ntp_peers(config) == {"10.0.0.2": {}}


def test_ntp_stats_of_a_source_that_never_answered() -> None:
    stats = parse.ntp_stats("^,?,192.0.2.99,0,6,0,4294967295,0.000000000,0.000000000,0.000000000\n",
                            "192.0.2.99,0,0,0,0.000,2000.000,0.000000000,4.000000000\n")
    assert stats == [{"remote": "192.0.2.99", "referenceid": "", "synchronized": False, "stratum": 0, "type": "u",
                      "when": "-", "hostpoll": 64, "reachability": 0, "delay": -1.0, "offset": 0.0,
                      "jitter": 4000.0}]


@pytest.mark.parametrize(("zone", "expected"), [("+0000", 30.5), ("+0700", 30.5), ("-0330", 30.5)])
def test_last_flapped_is_in_the_routers_local_time(zone: str, expected: float) -> None:
    """zebra stamps link changes in the router's local time; the age is the same in every time zone."""
    sign = -1 if zone[0] == "-" else 1
    offset = sign * (int(zone[1:3]) * 3600 + int(zone[3:5]) * 60)
    now = 1796587230.0  # 2026-12-06 20:00:30 UTC
    local = datetime.datetime.fromtimestamp(now - 30.5 + offset, tz=datetime.UTC).strftime("%Y/%m/%d %H:%M:%S.%f")
    entry = {"lastLinkUp": local[:-4], "lastLinkDown": "2020/01/01 00:00:00.00"}
    assert parse.flapped(entry, *parse.clock(f"{now} {zone}")) == expected
    assert parse.flapped({"linkUps": 0}, now, offset) == -1.0


def test_users_levels_and_keys() -> None:
    """Login shells only; level 15 for uid 0 and frrvty/sudo members (also by primary group), 1 otherwise."""
    text = ("root:x:0:0:root:/root:/bin/bash\nops:x:1000:1000::/home/ops:/bin/bash\n"
            "svc:x:1001:27::/home/svc:/bin/sh\nguest:x:1002:1002::/home/guest:/bin/sh\n"
            "daemon:x:1:1::/usr/sbin:/usr/sbin/nologin\n!netops-shells\n# /etc/shells\n/bin/sh\n/bin/bash\n"
            "!netops-groups\nfrrvty:x:106:ops\nsudo:x:27:\n!netops-keys root\n!netops-keys ops\n"
            "# a comment\nssh-ed25519 AAAAC3 ops@laptop\n\n!netops-keys svc\n!netops-keys guest\n")
    assert parse.users(text) == {
        "guest": {"level": 1, "password": "", "sshkeys": []},
        "ops": {"level": 15, "password": "", "sshkeys": ["ssh-ed25519 AAAAC3 ops@laptop"]},
        "root": {"level": 15, "password": "", "sshkeys": []},
        "svc": {"level": 15, "password": "", "sshkeys": []}}


def test_environment_sensors_from_sysfs() -> None:
    """CPU from the two samples; temperatures against their trip points, fans, mains power."""
    text = ("!netops-stat1\ncpu  1 0 1 8 0 0 0 0 0 0\ncpu0 10 0 10 80 0 0 0 0 0 0\n"
            "!netops-stat2\ncpu  1 0 1 8 0 0 0 0 0 0\ncpu0 40 0 10 110 0 0 0 0 0 0\n"
            "!netops-meminfo\nMemTotal: 1000 kB\nMemFree: 100 kB\nMemAvailable: 600 kB\n!netops-sysfs\n"
            "/sys/class/thermal/thermal_zone0/type:x86_pkg_temp\n/sys/class/thermal/thermal_zone0/temp:91000\n"
            "/sys/class/thermal/thermal_zone0/trip_point_0_type:passive\n"
            "/sys/class/thermal/thermal_zone0/trip_point_0_temp:90000\n"
            "/sys/class/thermal/thermal_zone0/trip_point_1_type:critical\n"
            "/sys/class/thermal/thermal_zone0/trip_point_1_temp:105000\n"
            "/sys/class/hwmon/hwmon1/fan1_input:0\n/sys/class/hwmon/hwmon1/fan2_input:2400\n"
            "/sys/class/power_supply/AC/type:Mains\n/sys/class/power_supply/AC/online:1\n"
            "/sys/class/power_supply/BAT0/type:Battery\n")
    assert parse.environment(text) == {
        "cpu": {0: {"%usage": 50.0}},
        "memory": {"used_ram": 400 * 1024, "available_ram": 1000 * 1024},
        "temperature": {"x86_pkg_temp (thermal_zone0)": {"temperature": 91.0, "is_alert": True,
                                                          "is_critical": False}},
        "fans": {"hwmon1 fan1": {"status": False}, "hwmon1 fan2": {"status": True}},
        "power": {"AC": {"status": True, "output": -1.0, "capacity": -1.0}}}


def test_network_instances_with_a_vrf() -> None:
    """A kernel VRF and its member (this machine's kernel has no VRF device type to record one from: the
    fields are iproute2's `ip -j -d link show` ones)."""
    links = [{"ifname": "lo"}, {"ifname": "eth0", "master": "br0"}, {"ifname": "br0"},
             {"ifname": "CUSTOMER", "linkinfo": {"info_kind": "vrf", "info_data": {"table": 1001}}},
             {"ifname": "eth1", "master": "CUSTOMER", "linkinfo": {"info_slave_kind": "vrf"}}]
    result = parse.network_instances(links)
    assert result["default"]["interfaces"]["interface"] == {"br0": {}, "eth0": {}, "lo": {}}
    assert result["CUSTOMER"] == {"name": "CUSTOMER", "type": "L3VRF", "state": {"route_distinguisher": ""},
                                  "interfaces": {"interface": {"eth1": {}}}}
    assert list(parse.network_instances(links, "CUSTOMER")) == ["CUSTOMER"]


def test_frr_uptime_is_zebras() -> None:
    """The host's uptime minus zebra's start (field 22 of its stat line, after a name with a space)."""
    stat = "1234 (zebra x) S " + " ".join(["0"] * 18) + " 500 0 0"
    assert parse.process_uptime(f"100.50 180.00\n{stat}\n100\n") == 95.5
    assert parse.process_uptime("100.50 180.00\n") == -1.0


#: SSH commands each getter sends (get_facts: one vtysh call and zebra's age; get_interfaces reads the router's
#: clock only when zebra saw a link change).
ROUND_TRIPS = {"test_get_facts/two-routers": 2, "test_get_interfaces/two-routers": 1,
               "test_get_interfaces/link-flapped": 2, "test_get_environment/two-routers": 1,
               "test_get_users/two-routers": 1, "test_get_snmp_information/two-routers": 1,
               "test_get_ntp_servers/two-routers": 1, "test_get_ntp_peers/two-routers": 1,
               "test_get_ntp_stats/two-routers": 1, "test_get_lldp_neighbors_detail/two-routers": 1,
               "test_get_network_instances/two-routers": 1, "test_get_ipv6_neighbors_table/two-routers": 1}


@pytest.mark.parametrize(("case", "count"), ROUND_TRIPS.items())
def test_round_trips(case: str, count: int) -> None:
    device, transport = _device(MOCKED / case)
    getattr(device, case.split("/")[0].removeprefix("test_"))()
    assert len(transport.commands) == count, transport.commands
