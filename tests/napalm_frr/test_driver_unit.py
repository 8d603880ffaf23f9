"""napalm_frr against outputs recorded from a real FRR 8.4.

mocked_data/ is rewritten by `python -m tests.napalm_frr.record` (root), never by hand.

Every getter's result equals the recorded driver result and conforms to NAPALM's own models
(napalm.base.models, checked with napalm's test helper); method signatures match NetworkDriver's.
"""

import inspect
import json
import typing
from pathlib import Path
from typing import Any

import napalm
import pytest
from napalm.base import NetworkDriver, models
from napalm.base.exceptions import ReplaceConfigException

from napalm_frr import FRRDriver, parse
from napalm_frr.transport import ReplayTransport

MOCKED = Path(__file__).resolve().parent / "mocked_data"
GETTER_CASES = sorted(p for p in MOCKED.glob("test_*/*") if p.parent.name != "test_config")


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
    device, _ = _device(case)
    method = case.parent.name.removeprefix("test_")
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
            assert all(conforms(models.LLDPNeighborDict, n) for ns in result.values() for n in ns)
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


def test_syntax_error_refused_before_anything_runs() -> None:
    """vtysh -C refuses the candidate: ReplaceConfigException, the staged file is removed, no reload ran."""
    case = MOCKED / "test_config" / "syntax-error"
    device, transport = _device(case)
    with pytest.raises(ReplaceConfigException, match="Unknown command"):
        device.load_replace_candidate(config=(case / "candidate.conf").read_text())
    assert not any("frr-reload" in command for command in transport.commands)
    assert transport.commands[-1].startswith("rm -f ")
    assert device.compare_config() == ""


def test_compare_config_is_the_reload_delta() -> None:
    case = MOCKED / "test_config" / "changed"
    device, transport = _device(case)
    device.load_replace_candidate(config=(case / "candidate.conf").read_text())
    diff = device.compare_config()
    assert diff == json.loads((case / "expected_result.json").read_text())["result"]
    assert "Lines To Add" in diff and " INFO: " not in diff
    assert any("--test" in command for command in transport.commands)


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
