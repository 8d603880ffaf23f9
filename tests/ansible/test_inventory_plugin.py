"""The inventory plugin as Ansible users configure it, through the real `ansible-inventory`: constructed groups
and variables (cases/constructed, goldens), refused configurations (cases/invalid, expected error text), the
configuration file's names and plugin names, and Ansible's inventory cache (jsonfile, in a temporary folder).

The cache on a real NetBox (a second run reads no NetBox) is tests/netbox/test_sources.py's.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.ansible.test_inventory import ansible_inventory, plain
from tests.conftest import REPO, case_folders

CASES = Path(__file__).parent / "cases"
SAMPLE = REPO / "inventory" / "city"
LEGACY = REPO / "tests" / "reorganize" / "cases" / "hanoi-sample" / "legacy"


def config_from(case: Path, folder: Path, name: str = "netops.yml", *, intent: Path = SAMPLE) -> Path:
    """The case's configuration in folder/inventory/<name>, with the sample city's intent and configs appended
    (absolute: the file lives outside the repository); the case's own lines keep their numbers."""
    path = folder / "inventory" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text((case / "netops.yml").read_text(encoding="utf-8")
                    + f"intent: {intent}\nconfigs: {REPO / 'out' / 'configs'}\n", encoding="utf-8")
    return path


def listed(config: Path, *args: str, env: dict[str, str] | None = None) -> dict[str, Any]:
    done = ansible_inventory("-i", str(config), "--list", *args, env=env)
    assert done.returncode == 0, done.stderr
    assert "[WARNING]" not in done.stderr, done.stderr
    document: dict[str, Any] = plain(json.loads(done.stdout))
    return document


def without_netops_variables(document: dict[str, Any]) -> dict[str, Any]:
    """Groups (members sorted) and each host's variables but netops_* (tests/ansible/test_inventory.py's)."""
    groups = {name: {key: sorted(value) for key, value in sorted(body.items())}
              for name, body in sorted(document.items()) if name != "_meta"}
    hostvars = {host: {key: value for key, value in sorted(variables.items()) if not key.startswith("netops_")}
                for host, variables in sorted(document["_meta"]["hostvars"].items())}
    return {"groups": groups, "hostvars": hostvars}


@pytest.mark.parametrize("case", case_folders(CASES / "constructed"), ids=lambda p: p.name)
def test_constructed_case(case: Path, tmp_path: Path, golden: Callable[[Path, str], None]) -> None:
    document = without_netops_variables(listed(config_from(case, tmp_path)))
    golden(case / "expected.json", json.dumps(document, indent=1, ensure_ascii=False, sort_keys=True) + "\n")


# Ansible names the plugin by its Python module path: the collection's, or the short name's.
PLUGIN_FAILED = (r"Failed to parse inventory with "
                 r"'(?:ansible_collections\.citynet\.netops\.plugins\.inventory\.)?netops' plugin")


def first_error(stderr: str, folder: Path) -> str:
    """The netops plugin's error as Ansible reports it first, with the temporary folder as <tmp>."""
    match = re.search(PLUGIN_FAILED + r": (.*?)\n\n", stderr, re.DOTALL)
    assert match, stderr
    return match.group(1).replace(str(folder), "<tmp>") + "\n"


@pytest.mark.parametrize("case", case_folders(CASES / "invalid"), ids=lambda p: p.name)
def test_invalid_case(case: Path, tmp_path: Path, golden: Callable[[Path, str], None]) -> None:
    done = ansible_inventory("-i", str(config_from(case, tmp_path)), "--list")

    assert done.returncode != 0 and "Traceback" not in done.stderr, done.stderr
    golden(case / "expected-errors.txt", first_error(done.stderr, tmp_path))


def test_every_option_problem_is_reported_with_its_line(tmp_path: Path) -> None:
    done = ansible_inventory("-i", str(config_from(CASES / "invalid" / "unknown-option", tmp_path)), "--list")

    error = first_error(done.stderr, tmp_path)
    assert "<tmp>/inventory/netops.yml:3: unknown option 'keyed_group'" in error
    assert "hint:     did you mean 'keyed_groups'?" in error
    assert "<tmp>/inventory/netops.yml:5: unknown option 'cache_timout'" in error
    assert "did you mean 'cache_timeout'?" in error


@pytest.mark.parametrize("name", ["netops.yml", "netops.yaml", "city.netops.yml", "hanoi.2025.netops.yaml"])
def test_configuration_file_names(name: str, tmp_path: Path) -> None:
    config = config_from(CASES / "constructed" / "ansible-host-primary", tmp_path, name)

    assert len(listed(config)["_meta"]["hostvars"]) == 31


@pytest.mark.parametrize("name", ["inventory.yml", "netops.json", "citynetops.yml"])
def test_other_file_names_are_not_the_plugins(name: str, tmp_path: Path) -> None:
    config = config_from(CASES / "constructed" / "ansible-host-primary", tmp_path, name)

    done = ansible_inventory("-i", str(config), "--list")

    assert not re.search(PLUGIN_FAILED, done.stderr), done.stderr
    assert "ubnd-phuong-phuc-xa-r01" not in done.stdout


@pytest.mark.parametrize("plugin", ["netops", "citynet.netops.netops"])
def test_both_plugin_names_give_the_same_inventory(plugin: str, tmp_path: Path) -> None:
    case = tmp_path / "case"
    case.mkdir()
    (case / "netops.yml").write_text(f"plugin: {plugin}\n")
    reference = listed(REPO / "inventory" / "netops.yml")
    config = config_from(case, tmp_path)
    (config.parent / "group_vars").symlink_to(REPO / "inventory" / "group_vars")  # the lab settings the reference has

    assert listed(config) == reference


def test_nb_inventory_variables(tmp_path: Path) -> None:
    hostvars = listed(REPO / "inventory" / "netops.yml")["_meta"]["hostvars"]
    ward = hostvars["ubnd-phuong-phuc-xa-r01"]
    assert ward["site"] == "ubnd-phuong-phuc-xa" and ward["role"] == "access-router" and ward["platform"] == "frr"
    assert ward["regions"][-1] == "thanh-pho-ha-noi" and len(ward["regions"]) == 2
    assert ward["tenant"] == "ubnd-cap-xa" and ward["status"] == {"value": "planned", "label": "Planned"}
    assert ward["primary_ip4"] == ward["netops_loopback"] and ward["oob_ip"] == ward["ansible_host"]
    assert "ansible_network_os" not in ward  # FRR: no maintained network_os (the plugin's documentation)


def cached_config(folder: Path, intent: Path, timeout: int = 3600) -> Path:
    case = folder / "cached"
    case.mkdir()
    (case / "netops.yml").write_text(
        "plugin: netops\ncache: true\ncache_plugin: ansible.builtin.jsonfile\n"
        f"cache_connection: {folder / 'cache'}\ncache_timeout: {timeout}\n")
    return config_from(case, folder, intent=intent)


def test_a_cached_inventory_reads_no_intent_until_flushed_or_expired(tmp_path: Path) -> None:
    intent = tmp_path / "intent"
    shutil.copytree(SAMPLE, intent)
    config = cached_config(tmp_path, intent)
    first = listed(config)
    [stored] = (tmp_path / "cache").iterdir()
    assert "ubnd-phuong-phuc-xa-r01" in stored.read_text()
    fresh = ansible_inventory("-i", str(config), "--list", "--flush-cache").stdout

    shutil.rmtree(intent)  # a run that read the intent now would fail
    # The same text: values from the cache are as untrusted as fresh ones (never templated), every marker kept.
    assert ansible_inventory("-i", str(config), "--list").stdout == fresh

    flushed = ansible_inventory("-i", str(config), "--list", "--flush-cache")
    assert flushed.returncode != 0 and "the city model is invalid" in flushed.stderr, flushed.stderr

    shutil.copytree(LEGACY, intent)  # another city where the sample was: the cache no longer describes it
    assert listed(config) == first  # still within cache_timeout: the stored inventory
    hour_ago = stored.stat().st_mtime - 3601
    os.utime(stored, (hour_ago, hour_ago))  # stored longer ago than cache_timeout
    legacy = listed(config)
    assert "quan-uy-ba-dinh-r01" in legacy["_meta"]["hostvars"]
    assert stored.stat().st_mtime > hour_ago + 3600  # and stored again


def test_the_cache_keeps_apart_what_it_was_read_from(tmp_path: Path) -> None:
    config = cached_config(tmp_path, SAMPLE)
    sample = listed(config)

    other = listed(config, env={**os.environ, "NETOPS_INTENT": str(LEGACY)})

    assert "quan-uy-ba-dinh-r01" in other["_meta"]["hostvars"]
    assert "quan-uy-ba-dinh-r01" not in sample["_meta"]["hostvars"]
    assert len(list((tmp_path / "cache").iterdir())) == 2
    assert listed(config) == sample


def test_constructed_options_apply_to_a_cached_inventory(tmp_path: Path) -> None:
    config = cached_config(tmp_path, SAMPLE)
    listed(config)
    config.write_text(config.read_text() + "groups:\n  cores: role == 'core'\n")

    document = listed(config)

    assert set(document["cores"]["hosts"]) == {"dc-core-01", "dc-core-02"}
