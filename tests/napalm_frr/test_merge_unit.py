"""napalm_frr.merge: how a merge turns into the whole config it results in, and how its effect is checked.

The running config is one recorded from a real FRR 8.4 (mocked_data/test_config/merge-in-blocks); the merge
texts are given here with the `vtysh -m` marking FRR adds (an `exit` where a block ends: the lab tests run the
real marking).
"""

from pathlib import Path

import pytest

from napalm_frr import merge as merging
from napalm_frr.driver import diff_text, has_statements, refusal
from napalm_frr.parse import strip_running

RUNNING = strip_running((Path(__file__).resolve().parent / "mocked_data" / "test_config" / "merge-in-blocks"
                         / "vtysh_-c_show_running-config.txt").read_text())
BGP = ("router bgp 65000",)


def _merge(text: str, marked: str | None = None) -> merging.Merged:
    return merging.merge(RUNNING + "ip route 10.99.0.0/24 Null0\n", marked or text + "\nend\n", text)


def _blocks(merged: merging.Merged) -> dict[tuple[str, ...], list[str]]:
    return merging.Config.parse(merged.config).blocks


def test_running_config_round_trips() -> None:
    """Rendering the parsed running config and parsing it again gives the same blocks (so a merge of nothing
    is no change to frr-reload.py)."""
    parsed = merging.Config.parse(RUNNING)
    assert merging.Config.parse(parsed.text()).blocks == parsed.blocks
    assert ("router bgp 65000", "address-family ipv4 unicast") in parsed.blocks
    assert _merge("! only a comment\n").effects == []


def test_no_removes_the_statement_it_negates() -> None:
    merged = _merge("no ip route 10.99.0.0/24 null0\n")  # FRR shows null0 as Null0
    assert ("ip route 10.99.0.0/24 Null0",) not in _blocks(merged)
    assert ("no ip route 10.99.0.0/24 Null0",) not in _blocks(merged)
    [effect] = merged.effects
    assert effect.kind == "absent" and effect.removed == [(("ip route 10.99.0.0/24 Null0",), None)]
    assert effect.line.number == 1


def test_no_of_an_absent_statement_is_a_no_op() -> None:
    merged = _merge("no ip route 10.98.0.0/24 Null0\nrouter ospf\n no network 10.5.0.0/24 area 0\n",
                    "no ip route 10.98.0.0/24 Null0\nrouter ospf\n no network 10.5.0.0/24 area 0\nexit\nend\n")
    assert merged.effects == []
    assert _blocks(merged) == merging.Config.parse(RUNNING + "ip route 10.99.0.0/24 Null0\n").blocks


def test_no_of_a_block_removes_it_with_its_sub_blocks() -> None:
    merged = _merge("no router bgp 65000\n")
    assert not any(keys[0].startswith("router bgp") for keys in _blocks(merged))
    assert {keys for keys, _ in merged.effects[0].removed} == {BGP, (*BGP, "address-family ipv4 unicast")}
    # Without the AS number, as FRR allows when there is one instance.
    assert not any(keys[0].startswith("router bgp") for keys in _blocks(_merge("no router bgp\n")))


def test_no_inside_blocks() -> None:
    text = "interface eth2\nno ip ospf hello-interval\nexit\nrouter bgp 65000\n no neighbor 192.0.2.2 timers connect\n"
    merged = _merge(text, text + "end\n")
    blocks = _blocks(merged)
    assert not any(line.startswith("ip ospf hello-interval") for line in blocks[("interface eth2",)])
    assert "neighbor 192.0.2.2 timers connect 1" not in blocks[BGP]
    assert "neighbor 192.0.2.2 timers 3 9" in blocks[BGP]  # an exact prefix, not every `timers` line
    assert [effect.line.number for effect in merged.effects] == [2, 5]
    # `no neighbor X` removes every line of the peer.
    assert not any("192.0.2.2" in line for line in _blocks(_merge("router bgp 65000\n no neighbor 192.0.2.2\n"))[BGP])


def test_later_lines_undo_earlier_ones() -> None:
    """Typed in order: the route added then removed is not configured, and only the removal is checked."""
    merged = _merge("ip route 10.97.0.0/24 Null0\nno ip route 10.97.0.0/24 Null0\nno ip route 10.99.0.0/24 Null0\n"
                    "ip route 10.99.0.0/24 Null0\n")
    assert ("ip route 10.97.0.0/24 Null0",) not in _blocks(merged)
    assert ("ip route 10.99.0.0/24 Null0",) in _blocks(merged)
    assert [(effect.line.number, effect.kind) for effect in merged.effects] == [(2, "absent"), (4, "present")]


def test_abbreviated_keywords_read_as_vtysh_reads_them() -> None:
    """`no ip rout X` removes `ip route X`; `ip rout X` when `ip route X` runs adds nothing; names and
    addresses are never abbreviations."""
    merged = _merge("no ip rout 10.99.0.0/24 Null0\n")
    assert ("ip route 10.99.0.0/24 Null0",) not in _blocks(merged)
    assert merged.effects[0].removed == [(("ip route 10.99.0.0/24 Null0",), None)]
    text = "interface eth2\n no ip ospf hello\n ip ospf net point-to-point\n"
    merged = _merge(text, text + "exit\nend\n")
    assert _blocks(merged)[("interface eth2",)] == ["description link to r1", "ip address 192.0.2.1/30",
                                                   "ip ospf area 0", "ip ospf dead-interval 4",
                                                   "ip ospf network point-to-point"]
    assert [effect.kind for effect in merged.effects] == ["absent"]
    added = _merge("ip rout 10.97.0.0/24 Null0\n").effects
    assert merging.check(added, RUNNING + "ip route 10.97.0.0/24 Null0\n") == []
    assert merging.matching("interface eth1", ["interface eth10"]) == []
    assert merging.matching("route-map R", ["route-map RM permit 10"]) == []
    assert merging.matching("ip route 10.9.0.0/24 Null0", ["ip route 10.99.0.0/24 Null0"]) == []


def test_no_inside_an_absent_block_does_not_create_it() -> None:
    merged = _merge("interface eth9\n no ip ospf cost\n", "interface eth9\n no ip ospf cost\nexit\nend\n")
    assert ("interface eth9",) not in _blocks(merged) and merged.effects == []


def test_settings_frr_shows_in_their_no_form() -> None:
    """`no bgp default ipv4-unicast` (absent) is kept; `bgp ebgp-requires-policy` removes the shown `no` form."""
    text = "router bgp 65000\n no bgp default ipv4-unicast\n bgp ebgp-requires-policy\n"
    merged = _merge(text)
    lines = _blocks(merged)[BGP]
    assert "no bgp default ipv4-unicast" in lines
    assert "no bgp ebgp-requires-policy" not in lines and "bgp ebgp-requires-policy" not in lines
    assert [effect.kind for effect in merged.effects] == ["negated", "absent"]


def test_positive_lines_are_added_once() -> None:
    text = "interface eth2\n ip ospf cost 7\n description link to r1\nexit\nip route 10.97.0.0/24 Null0\n"
    merged = _merge(text, text + "end\n")
    assert _blocks(merged)[("interface eth2",)].count("description link to r1") == 1
    assert "ip ospf cost 7" in _blocks(merged)[("interface eth2",)]
    assert ("ip route 10.97.0.0/24 Null0",) in _blocks(merged)
    assert [effect.kind for effect in merged.effects] == ["present", "present", "present"]


def test_check_names_what_did_not_take_effect() -> None:
    text = ("no ip route 10.99.0.0/24 Null0\ninterface eth2\n ip ospf cost 7\nexit\n"
            "router bgp 65000\n no bgp default ipv4-unicast\n")
    merged = _merge(text, text + "end\n")
    before = RUNNING + "ip route 10.99.0.0/24 Null0\n"
    problems = merging.check(merged.effects, before)  # nothing was applied
    assert problems[0].startswith("line 1 `no ip route 10.99.0.0/24 Null0`: still configured")
    assert problems[1].startswith("line 3 `ip ospf cost 7` (in `interface eth2`): not in the running config")
    assert len(problems) == 2  # `no bgp default ipv4-unicast`: not shown, and its positive form is absent
    assert merging.check(merged.effects, merged.config) == []
    secret = "router bgp 65000\n neighbor 192.0.2.2 password s3cr3t\n"
    [problem] = merging.check(_merge(secret).effects, RUNNING)
    assert "s3cr3t" not in problem and "password <removed>" in problem


@pytest.mark.parametrize(("keys", "line", "expected"), [
    ((), "ip route 10.99.0.7/24 null0", "ip route 10.99.0.0/24 Null0"),
    ((), "no  ip route 10.99.0.7/24   Null0", "no ip route 10.99.0.0/24 Null0"),
    ((), "ip prefix-list PL seq 5 permit 10.1.2.3/16 le 24", "ip prefix-list PL seq 5 permit 10.1.0.0/16 le 24"),
    (BGP, "network 10.255.0.9/24", "network 10.255.0.0/24"),
    (("interface eth2",), "description a  b", "description a b"),
])
def test_normalize(keys: tuple[str, ...], line: str, expected: str) -> None:
    assert merging.normalize(keys, line) == expected


def test_line_numbers_skip_comments_and_blank_lines() -> None:
    text = "! header\n\nrouter ospf\n ! a comment\n redistribute static\nexit\nip route 10.97.0.0/24 Null0\n"
    marked = "! header\nrouter ospf\n ! a comment\n redistribute static\nexit\nip route 10.97.0.0/24 Null0\nend\n"
    lines = merging.merge_lines(marked, text)
    assert [(line.keys, line.text, line.number) for line in lines] == [
        ((), "router ospf", 3), (("router ospf",), "redistribute static", 5), ((), "ip route 10.97.0.0/24 Null0", 7)]


def test_refusal_names_the_users_line() -> None:
    text = "ip route 10.98.0.0/24 Null0\nbogus command here\n"
    assert refusal(text, "line 2: % Unknown command[4]: bogus command here\n") == \
        "line 2 `bogus command here`: % Unknown command"
    assert refusal(text, "something else\n") == "something else"
    secret = "router bgp 1\n neighbor 192.0.2.2 password s3cr3t extra\n"
    assert "s3cr3t" not in refusal(secret, "line 2: % Unknown command[4]:  neighbor 192.0.2.2 password s3cr3t extra")
    assert refusal(text, "") == "no reason given"


def test_diff_text_has_no_stray_newline() -> None:
    output = ("2026-12-05 13:00:00,000  INFO: Called via ...\n\nLines To Add\n============\n"
              "ip route 10.97.0.0/24 Null0\n\n")
    assert diff_text(output) == "Lines To Add\n============\nip route 10.97.0.0/24 Null0"
    assert diff_text("2026-12-05 13:00:00,000  INFO: nothing\n\n") == ""


@pytest.mark.parametrize(("text", "expected"), [
    ("! only\n# comments\n\nend\n", False), ("", False), ("hostname r1\n", True), ("  ! x\n router ospf\n", True)])
def test_has_statements(text: str, expected: bool) -> None:
    assert has_statements(text) is expected
