"""`netops render` as a user runs it: files per device, the change report, selection, bad input."""

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO


def netops(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "netops", *args], cwd=REPO, capture_output=True, text=True,
                          timeout=120, check=False, env=env)


def report(out: Path, *args: str) -> dict[str, object]:
    result = netops("render", "--out", str(out), "--json", *args)
    assert result.returncode == 0, result.stderr
    document: dict[str, object] = json.loads(result.stdout)
    return document


def test_render_reports_new_then_unchanged_then_changed_and_removed(tmp_path: Path) -> None:
    out = tmp_path / "configs"
    first = report(out)
    assert first["devices"] == 31 and len(first["new"]) == 31  # type: ignore[arg-type]
    assert (out / "frr" / "ba-dinh-agg-01.cfg").read_text().startswith("! ba-dinh-agg-01: FRR configuration")
    assert all((out / "frr" / f"ba-dinh-agg-01.{part}").is_file()
               for part in ("nft", "snmpd", "chrony", "rsyslog", "sshd", "banner", "keepalived"))
    assert not (out / "frr" / "ba-dinh-agg-01.host.yml").exists(), "the model summary is no longer rendered"
    # agg-02 is the VRRP backup of the hub's LANs: it relays DHCP as the master does, ready to take over
    assert (out / "frr" / "ba-dinh-agg-02.dhcrelay").is_file() and (out / "frr" / "ba-dinh-agg-02.keepalived").is_file()
    assert not (out / "frr" / "ubnd-phuong-phuc-xa-r01.keepalived").exists(), "one router: no VRRP, no keepalived"
    second = report(out)
    assert len(second["unchanged"]) == 31 and not second["new"] and not second["changed"]  # type: ignore[arg-type]

    # An earlier render wrote other text for dc-core-01 and rendered a device that has since left the city.
    manifest_path = out / ".netops-manifest.json"
    manifest = json.loads(manifest_path.read_text())
    for relative, text in (("frr/dc-core-01.cfg", "rendered by an earlier netops\n"),
                           ("frr/old-router-r01.cfg", "a device that left the city\n")):
        (out / relative).write_text(text)
        manifest["files"][relative] = hashlib.sha256(text.encode()).hexdigest()
    manifest_path.write_text(json.dumps(manifest))
    (out / "frr" / "notes.txt").write_text("not ours\n")
    third = report(out)
    assert third["changed"] == ["dc-core-01"] and third["removed"] == ["old-router-r01"]
    assert not (out / "frr" / "old-router-r01.cfg").exists()
    assert (out / "frr" / "notes.txt").is_file(), "files netops did not write are never touched"
    assert "frr/old-router-r01.cfg" not in json.loads(manifest_path.read_text())["files"]


def test_a_file_edited_since_render_wrote_it_is_refused_then_forced(tmp_path: Path) -> None:
    out = tmp_path / "configs"
    netops("render", "--out", str(out), "--device", "dc-core-01", "--device", "ba-dinh-agg-01")
    (out / "frr" / "dc-core-01.cfg").write_text("edited by hand\n")
    before = tree(out)
    refused = netops("render", "--out", str(out))
    assert refused.returncode == 2, refused.stderr
    assert "1 file `netops render` wrote in" in refused.stderr and "frr/dc-core-01.cfg" in refused.stderr
    assert "--force" in refused.stderr and "Traceback" not in refused.stderr
    assert tree(out) == before
    forced = netops("render", "--out", str(out), "--json", "--force")
    assert forced.returncode == 0, forced.stderr
    assert json.loads(forced.stdout)["changed"] == ["dc-core-01"]
    assert (out / "frr" / "dc-core-01.cfg").read_text().startswith("! dc-core-01: FRR configuration")


def test_rendering_some_devices_keeps_the_others_files(tmp_path: Path) -> None:
    out = tmp_path / "configs"
    assert report(out)["devices"] == 31
    files = tree(out)
    one = report(out, "--device", "dc-core-01")
    assert one["unchanged"] == ["dc-core-01"] and not one["removed"]
    assert tree(out) == files


def test_a_folder_of_an_earlier_render_manifest_is_taken_over(tmp_path: Path) -> None:
    out = tmp_path / "configs"
    report(out, "--device", "dc-core-01")
    manifest = json.loads((out / ".netops-manifest.json").read_text())
    legacy = {"devices": {"frr/dc-core-01": manifest["files"]}}
    (out / ".netops-manifest.json").unlink()
    (out / "manifest.json").write_text(json.dumps(legacy))
    document = report(out, "--device", "dc-core-01")
    assert document["unchanged"] == ["dc-core-01"]
    assert not (out / "manifest.json").exists() and (out / ".netops-manifest.json").is_file()


def tree(folder: Path) -> dict[str, str]:
    """Relative path -> sha256 of every file under folder."""
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_selection_by_device_and_district(tmp_path: Path) -> None:
    document = report(tmp_path, "--device", "dc-core-01", "--district", "dong-anh")
    rendered = set(document["new"])  # type: ignore[arg-type]
    assert "dc-core-01" in rendered and "dong-anh-agg-01" in rendered
    # Cụm Đông Anh: its two aggregation routers and the access routers of its 6 unit sites
    assert "ba-dinh-agg-01" not in rendered and len(rendered) == 1 + 8


def test_as_platform_renders_vendor_interface_names(tmp_path: Path) -> None:
    report(tmp_path, "--device", "ba-dinh-agg-01", "--as-platform", "huawei_vrp")
    text = (tmp_path / "huawei_vrp" / "ba-dinh-agg-01.cfg").read_text()
    assert "interface GigabitEthernet0/0/0.10\n dot1q termination vid 10" in text
    assert " dhcp relay server-ip 10.145.1.71" in text


def test_text_report_names_the_devices(tmp_path: Path) -> None:
    result = netops("render", "--out", str(tmp_path), "--device", "dc-core-01", "--workers", "1")
    assert result.returncode == 0, result.stderr
    assert "rendered 1 devices (frr 1)" in result.stdout and "new           1: dc-core-01" in result.stdout


def test_bad_selection_exits_2_and_writes_nothing(tmp_path: Path) -> None:
    result = netops("render", "--out", str(tmp_path / "x"), "--device", "ba-dinh-agg-1", "--district", "nowhere")
    assert result.returncode == 2
    assert "unknown device" in result.stderr and "did you mean ba-dinh-agg-01" in result.stderr
    assert "unknown area" in result.stderr and not (tmp_path / "x").exists()


def test_source_netbox_unreachable_is_clear_and_writes_nothing(tmp_path: Path) -> None:
    # Nothing listens on port 9 of the loopback: the NetBox read fails at once.
    env = {**os.environ, "NETBOX_URL": "http://127.0.0.1:9", "NETBOX_TOKEN": "nbt_unused.unused"}
    result = netops("render", "--out", str(tmp_path / "x"), "--source", "netbox", env=env)
    assert result.returncode == 3  # NetBox could not be reached (as every command); 2 is for a token it refuses
    assert "error: NetBox is not reachable: http://127.0.0.1:9/" in result.stderr and not (tmp_path / "x").exists()
    assert "nbt_unused" not in result.stderr + result.stdout


def test_bad_settings_exit_2(tmp_path: Path) -> None:
    settings = tmp_path / "settings.yml"
    settings.write_text("ospf_authentication: sha1\n")
    result = netops("render", "--out", str(tmp_path / "x"), "--settings", str(settings))
    assert result.returncode == 2, result.stderr
    assert f"{settings}:1: ospf_authentication: invalid value" in result.stderr
    assert "found:    'sha1'" in result.stderr and "Traceback" not in result.stderr


def test_settings_file_errors_are_located(tmp_path: Path) -> None:
    settings = tmp_path / "settings.yml"
    settings.write_text("# lab\nospf_timers: fsat\nbogus: 1\nextra_management_sources: [10.0.0.300/24]\n")
    result = netops("render", "--out", str(tmp_path / "x"), "--settings", str(settings))
    assert result.returncode == 2, result.stderr
    assert f"{settings}:2: ospf_timers: invalid value" in result.stderr and "did you mean 'fast'?" in result.stderr
    assert f"{settings}:3: bogus: unknown key 'bogus'" in result.stderr
    assert f"{settings}:4: extra_management_sources" in result.stderr
    assert not (tmp_path / "x").exists()


def test_no_secret_value_reaches_a_rendered_file(tmp_path: Path) -> None:
    import os

    env = {**os.environ, "NETOPS_SECRET_OSPF_KEY": "S3cr3t-0spf", "NETOPS_SECRET_SNMP_AUTH_KEY": "S3cr3t-snmp"}
    result = netops("render", "--out", str(tmp_path), env=env)
    assert result.returncode == 0, result.stderr
    texts = [p.read_text() for p in tmp_path.rglob("*") if p.is_file()]
    assert texts and not any("S3cr3t" in text for text in texts)
    assert any("$NETOPS_SECRET{ospf_key}" in text for text in texts)
