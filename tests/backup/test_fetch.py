"""netops.backup.fetch through NAPALM and the real napalm_frr driver, replaying outputs recorded from a real box.

get_config(full=True) returns frr.conf and every host part the box lets the login user read; the fetch splits
them into the parts `netops render` writes, the listed nftables compare equal to the rendered ruleset and the
host daemons' files to the rendered ones (secrets masked).
"""

from pathlib import Path

from citynet_models.types import Platform
from napalm_frr.driver import HOST_FILES, HOST_PARTS, PART_MARKER
from napalm_frr.transport import ReplayTransport
from netops.backup.fetch import fetch_config, split_parts
from netops.compliance.baseline import load_baselines, masks_for
from netops.compliance.tree import parse_part
from netops.hostfiles import HOST_FILES as NETOPS_HOST_FILES
from tests.compliance.helpers import rendered as rendered_city

CASE = Path(__file__).resolve().parent / "cases" / "frr-whole-box"


def test_split_parts_keeps_each_part_whole() -> None:
    text = f"hostname r1\n!\n{PART_MARKER}nft\ntable inet netops {{\n}}\n{PART_MARKER}dhcrelay\nSERVERS=\"a\"\n"
    assert split_parts(text, PART_MARKER) == {"cfg": "hostname r1\n!\n", "nft": "table inet netops {\n}\n",
                                              "dhcrelay": "SERVERS=\"a\"\n"}
    assert split_parts("hostname r1\n", PART_MARKER) == {"cfg": "hostname r1\n"}


def test_split_parts_keeps_host_files_verbatim() -> None:
    """Comments, `!` lines (a banner may have them) and blank lines stay in the part they belong to."""
    files = {"snmpd": "# snmpd.conf\nagentAddress udp:161\n\nrouser nms priv\n",
             "sshd": "PermitRootLogin no\n", "banner": "!! WARNING !!\n\nAuthorized access only.\n"}
    text = "hostname r1\n!\nend\n" + "".join(f"{PART_MARKER}{part}\n{body}" for part, body in files.items())
    assert split_parts(text, PART_MARKER) == {"cfg": "hostname r1\n!\nend\n", **files}


def test_driver_reads_every_host_file_netops_renders() -> None:
    assert {part: host.path for part, host in NETOPS_HOST_FILES.items()} == HOST_FILES
    assert {part for part in HOST_PARTS if part not in ("nft", "dhcrelay")} == set(NETOPS_HOST_FILES)
    for part, path in HOST_FILES.items():  # the login user's cat first, sudo -n (never a prompt) else
        assert HOST_PARTS[part] == f"cat {path} 2>/dev/null || sudo -n cat {path} 2>/dev/null"


def test_fetch_returns_the_readable_host_parts() -> None:
    transport = ReplayTransport(CASE)
    parts = fetch_config("frr", "replayed", "netops", "", optional_args={"transport": transport})
    # no DHCP relay and no RADIUS on this box: those files are absent, their parts left out
    assert sorted(parts) == ["banner", "cfg", "chrony", "nft", "rsyslog", "snmpd", "sshd"]
    assert parts["cfg"].startswith("frr version") and PART_MARKER not in parts["cfg"]
    assert "hostname frr-r0" in parts["cfg"]
    assert any("nft -s list table inet netops" in command for command in transport.commands)
    assert any("sudo -n cat /etc/pam_radius_auth.conf" in command for command in transport.commands)


def test_fetched_host_files_equal_the_rendered_ones_once_masked() -> None:
    parts = fetch_config("frr", "replayed", "netops", "", optional_args={"transport": ReplayTransport(CASE)})
    device = "ubnd-phuong-phuc-xa-r01"
    baseline = load_baselines()[Platform.FRR]
    for part, text in rendered_city(None).configs[device].items():
        if part not in NETOPS_HOST_FILES:
            continue
        assert "Box-" in parts[part] or "$NETOPS_SECRET" not in text, part  # the box has real values
        masks = masks_for(baseline, part)
        assert parse_part(Platform.FRR, part, masks.apply(parts[part]), "fetched", device) == parse_part(
            Platform.FRR, part, masks.apply(text), "rendered", device), part


def test_listed_nftables_equal_the_rendered_ruleset() -> None:
    """`nft list` prints host prefixes without /32 and wraps sets: both sides parse to the same lines."""
    parts = fetch_config("frr", "replayed", "netops", "", optional_args={"transport": ReplayTransport(CASE)})
    device = "ubnd-phuong-phuc-xa-r01"
    rendered = rendered_city(None).configs[device]["nft"]
    listed = parse_part(Platform.FRR, "nft", parts["nft"], "listed", device)
    assert "/32" in rendered and listed == parse_part(Platform.FRR, "nft", rendered, "rendered", device)
