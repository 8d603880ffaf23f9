"""netops.backup.fetch through NAPALM and the real napalm_frr driver, replaying outputs recorded from a real box.

get_config(full=True) returns frr.conf and every host part the box lets the login user read; the fetch splits
them into the parts `netops render` writes, and the listed nftables compare equal to the rendered ruleset.
"""

from pathlib import Path

from citynet_models.types import Platform
from napalm_frr.driver import PART_MARKER
from napalm_frr.transport import ReplayTransport
from netops.backup.fetch import fetch_config, split_parts
from netops.compliance.tree import parse_part
from tests.compliance.helpers import rendered as rendered_city

CASE = Path(__file__).resolve().parent / "cases" / "frr-whole-box"


def test_split_parts_keeps_each_part_whole() -> None:
    text = f"hostname r1\n!\n{PART_MARKER}nft\ntable inet netops {{\n}}\n{PART_MARKER}dhcrelay\nSERVERS=\"a\"\n"
    assert split_parts(text, PART_MARKER) == {"cfg": "hostname r1\n!\n", "nft": "table inet netops {\n}\n",
                                              "dhcrelay": "SERVERS=\"a\"\n"}
    assert split_parts("hostname r1\n", PART_MARKER) == {"cfg": "hostname r1\n"}


def test_fetch_returns_the_readable_host_parts() -> None:
    transport = ReplayTransport(CASE)
    parts = fetch_config("frr", "replayed", "netops", "", optional_args={"transport": transport})
    assert sorted(parts) == ["cfg", "nft"]  # no DHCP relay on this box; host.yml is never read
    assert parts["cfg"].startswith("frr version") and PART_MARKER not in parts["cfg"]
    assert "hostname frr-r0" in parts["cfg"]
    assert any("nft -s list table inet netops" in command for command in transport.commands)


def test_listed_nftables_equal_the_rendered_ruleset() -> None:
    """`nft list` prints host prefixes without /32 and wraps sets: both sides parse to the same lines."""
    parts = fetch_config("frr", "replayed", "netops", "", optional_args={"transport": ReplayTransport(CASE)})
    device = "ubnd-phuong-phuc-xa-r01"
    rendered = rendered_city(None).configs[device]["nft"]
    listed = parse_part(Platform.FRR, "nft", parts["nft"], "listed", device)
    assert "/32" in rendered and listed == parse_part(Platform.FRR, "nft", rendered, "rendered", device)
