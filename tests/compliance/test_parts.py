"""Every part a platform renders is a part compliance reads, and the host files parse as their daemons read them."""

import re
from typing import get_args

import pytest

from citynet_models.types import Platform
from netops.compliance.baseline import Part
from netops.compliance.engine import ActualPart, DeviceInput, check_device
from netops.compliance.tree import PARTS, UNREADABLE, ConfigError, parse_part, tree
from netops.render.capabilities import capability_table
from tests.compliance.helpers import checker, rendered


def test_every_rendered_output_is_a_compliance_part() -> None:
    for platform, row in capability_table().items():
        assert set(row.outputs) == set(PARTS[platform]), platform
    assert set(get_args(Part)) == {part for parts in PARTS.values() for part in parts}


def _parse(part: str, text: str) -> list[str]:
    return parse_part(Platform.FRR, part, text, f"r1.{part}", "r1")


def test_flat_files_keep_directives_with_single_spaces_and_drop_comments() -> None:
    text = "# comment\n\nagentAddress   udp:161\n[snmp] clientaddr 10.0.0.1\n\trouser\tnms priv\n"
    assert _parse("snmpd", text) == ["agentAddress udp:161", "[snmp] clientaddr 10.0.0.1", "rouser nms priv"]
    assert _parse("chrony", "server 10.0.0.1 iburst\nrtcsync\n") == ["server 10.0.0.1 iburst", "rtcsync"]


def test_sshd_match_blocks_are_sections() -> None:
    lines = _parse("sshd", "PermitRootLogin no\nMatch Address 10.0.0.0/8\n  PasswordAuthentication yes\n"
                           "Match all\nX11Forwarding no\n")
    assert lines == ["PermitRootLogin no", "Match Address 10.0.0.0/8", "  PasswordAuthentication yes",
                     "Match all", "X11Forwarding no"]
    assert [node.text for node in tree(lines).children] == ["PermitRootLogin no", "Match Address 10.0.0.0/8",
                                                            "Match all", "X11Forwarding no"]


def test_rsyslog_statements_split_over_lines_are_one_line() -> None:
    text = ('module(load="imuxsock")  # local logs\n*.* action(type="omfwd"\n    target="10.0.0.5" # the DC\n'
            '    template="a#b")\nmail.* -/var/log/mail.log\n')
    assert _parse("rsyslog", text) == ['module(load="imuxsock")',
                                       '*.* action(type="omfwd" target="10.0.0.5" template="a#b")',
                                       "mail.* -/var/log/mail.log"]


def test_banner_keeps_every_text_line() -> None:
    assert _parse("banner", "# not a comment here\n\n  WARNING:   authorised   use only\n") == [
        "# not a comment here", "WARNING: authorised use only"]


def test_keepalived_blocks_are_sections_and_comments_go() -> None:
    text = ("! keepalived\nglobal_defs {\n\trouter_id r1   # the box\n}\n"
            "vrrp_instance VLAN-10 {\n\tstate BACKUP\n\ttrack_interface {\n\t\teth1   weight -6\n\t}\n}\n")
    assert _parse("keepalived", text) == ["global_defs", "  router_id r1", "vrrp_instance VLAN-10", "  state BACKUP",
                                          "  track_interface", "    eth1 weight -6"]


def test_ios_vrrp_sub_block_is_a_section_with_or_without_its_exit_line() -> None:
    """IOS-XE may or may not print `exit-vrrp` after a VRRPv3 sub-block: indentation closes it either way, so a
    config with the line and one without compare equal, and the group's commands sit under its line."""
    body = (" vrrp 10 address-family ipv4\n  address 10.0.0.1 primary\n  priority 110\n{exit}"
            " ip ospf 1 area 1\n")
    with_exit = "hostname r1\ninterface Gi0/0/0.10\n" + body.format(exit=" exit-vrrp\n")
    without = "hostname r1\ninterface Gi0/0/0.10\n" + body.format(exit="")
    lines = parse_part(Platform.CISCO_IOSXE, "cfg", with_exit, "r1.cfg", "r1")
    assert lines == parse_part(Platform.CISCO_IOSXE, "cfg", without, "r1.cfg", "r1")
    assert lines == ["hostname r1", "interface Gi0/0/0.10", " vrrp 10 address-family ipv4",
                     "  address 10.0.0.1 primary", "  priority 110", " ip ospf 1 area 1"]


@pytest.mark.parametrize(("part", "text", "message"), [
    ("snmpd", "<html>\n", "not a snmpd.conf directive"),
    ("chrony", "server: 10.0.0.1\n", "not a chrony.conf directive"),
    ("sshd", "Match\n", "'Match' without criteria"),
    ("rsyslog", '*.* action(type="omfwd"\n', "unbalanced '('"),
    ("rsyslog", "*.* action(type=\"omfwd)\n", "unterminated '\"' string"),
    ("rsyslog", "*.* x)\n", "unbalanced ')'"),
    ("radius", "10.0.0.1\n", "not a RADIUS server line"),
    ("radius", "10.0.0.1:1812 key three\n", "not a RADIUS server line"),
    ("banner", " \n", "empty config"),
    ("keepalived", "vrrp_instance VLAN-10 {\n\tpriority 110\n", "unbalanced '{'"),
    ("keepalived", "global_defs {\n}\n}\n", "unbalanced '}'"),
    ("keepalived", "<html><body>502</body></html>\n", "not a keepalived.conf line"),
])
def test_broken_host_files_are_config_errors(part: str, text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        _parse(part, text)


def test_a_part_no_device_can_return_is_unverifiable_not_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    """No rendered part is unreadable today; the mechanism stays for one that is: its rules are named unchecked."""
    monkeypatch.setitem(UNREADABLE, Platform.FRR, {"snmpd": "a summary no daemon reads"})
    intended = rendered(None).configs["ba-dinh-agg-01"]
    actual = {part: ActualPart(text, f"r/{part}") for part, text in intended.items() if part != "snmpd"}
    result = check_device(checker(), DeviceInput("ba-dinh-agg-01", Platform.FRR, intended, actual))
    failing = [f for f in result.findings if f.failing]
    assert [(f.rule, f.part) for f in failing] == [("UNVERIFIABLE", "snmpd")]
    assert "not checked: FRR-SNMP-001, FRR-SNMP-002" in failing[0].message


def test_vrp_vrrp_lines_replace_each_other_per_group_and_tracked_interface() -> None:
    from netops.compliance.diff import diff_part

    def config(priority: int, reduced: int) -> list[str]:
        return ["sysname r1", "interface GigabitEthernet0/0/0.10", " vrrp vrid 10 virtual-ip 10.0.0.1",
                f" vrrp vrid 10 priority {priority}", " vrrp vrid 10 track interface GigabitEthernet0/0/1 reduced 6",
                f" vrrp vrid 10 track interface GigabitEthernet0/0/2 reduced {reduced}",
                "interface GigabitEthernet0/0/0.20", " vrrp vrid 20 virtual-ip 10.0.1.1", " vrrp vrid 20 priority 110"]

    [section] = diff_part(Platform.HUAWEI_VRP, "cfg", "r1", config(110, 6), config(100, 9))
    assert section.section == "interface GigabitEthernet0/0/0.10"
    # the new values are set in place: no `undo` that would drop the group to its defaults for a moment
    assert [line.strip() for line in section.remediation] == [
        "interface GigabitEthernet0/0/0.10", "vrrp vrid 10 priority 110",
        "vrrp vrid 10 track interface GigabitEthernet0/0/2 reduced 6"]
