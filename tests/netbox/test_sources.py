"""Every read command gives the same answer from NetBox as from intent, on a real NetBox holding the sample city
(marker ``netbox``): the Ansible inventory (`ansible-inventory --list` and `--graph`, through the project's plugin,
both of its NetBox reads), `netops render`, `netops monitoring export`, `netops query` and the analyses.

The server is test_sync.py's (its state directory, ports and machine-wide lock, taken for this module as for
that one); the sample city is applied once for the module through the real CLI, or kept when NetBox already holds
exactly it (test_sync.py's last test leaves it there).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.ansible.test_inventory import plain
from tests.netbox.support import REPO, SAMPLE_CITY, network_of
from tests.netbox.test_sync import (  # noqa: F401  (env: the module's server fixture, shared with test_sync.py)
    NO_CHANGES,
    apply,
    counts_without_unchanged,
    env,
    plan_json,
    reset,
    run,
)

pytestmark = pytest.mark.netbox

ANSIBLE_INVENTORY = Path(sys.executable).parent / "ansible-inventory"


@pytest.fixture(scope="module")
def sample(env: dict[str, str]) -> Iterator[dict[str, str]]:  # noqa: F811
    """NetBox holding exactly the sample city (applied from empty unless it already does)."""
    if counts_without_unchanged(plan_json(env, SAMPLE_CITY, "--prune")) != NO_CHANGES:
        reset(env)
        applied = apply(env, SAMPLE_CITY)
        assert applied.returncode == 0, applied.stdout + applied.stderr
    assert counts_without_unchanged(plan_json(env, SAMPLE_CITY, "--prune")) == NO_CHANGES
    yield env


def inventory_file(folder: Path, source: str, *extra: str) -> Path:
    """A netops.yml like inventory/netops.yml with another source (paths absolute: it lives outside the repo)."""
    path = folder / source / "inventory" / "netops.yml"
    path.parent.mkdir(parents=True)
    path.write_text("\n".join(["plugin: citynet.netops.netops", f"source: {source}", f"intent: {SAMPLE_CITY}",
                               f"configs: {REPO / 'out' / 'configs'}", *extra, ""]))
    return path


def ansible_inventory(environ: dict[str, str], inventory: Path, *args: str) -> str:
    done = subprocess.run([str(ANSIBLE_INVENTORY), "-i", str(inventory), *args], cwd=REPO, env=environ,
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    assert "[WARNING]" not in done.stderr, done.stderr
    return done.stdout


def netops_json(environ: dict[str, str], *args: str) -> Any:
    done = run([*args, "--json"], environ)
    assert done.returncode in (0, 1), done.stdout + done.stderr  # 1: a finding (policy), same from both sources
    return done.returncode, json.loads(done.stdout)


# -- the Ansible inventory --------------------------------------------------------------------------------------


@pytest.mark.parametrize("read", ["hosts", "model"])
def test_ansible_inventory_from_netbox_agrees_with_intent(sample: dict[str, str], tmp_path: Path, read: str) -> None:
    from_intent = inventory_file(tmp_path, "intent")
    from_netbox = inventory_file(tmp_path, "netbox", f"read: {read}")

    listed_intent = plain(json.loads(ansible_inventory(sample, from_intent, "--list")))
    listed_netbox = plain(json.loads(ansible_inventory(sample, from_netbox, "--list")))

    assert listed_netbox == listed_intent
    assert len(listed_intent["_meta"]["hostvars"]) == len(network_of(SAMPLE_CITY).devices)
    assert set(listed_intent["role_core"]["hosts"]) == {"dc-core-01", "dc-core-02"}
    assert listed_intent["_meta"]["hostvars"]["ubnd-phuong-phuc-xa-r01"]["netops_ward"] is not None
    graph_intent = ansible_inventory(sample, from_intent, "--graph")
    assert ansible_inventory(sample, from_netbox, "--graph") == graph_intent
    assert "@district_001_cum_ba_dinh:" in graph_intent and "|--ubnd-phuong-phuc-xa-r01" in graph_intent


def test_ansible_inventory_from_netbox_sees_an_edit_made_in_netbox(sample: dict[str, str], tmp_path: Path) -> None:
    """The NetBox read is NetBox's word, not a copy of intent: a device retagged in NetBox shows in its host vars."""
    import pynetbox

    nb = pynetbox.api(sample["NETBOX_URL"], token=sample["NETBOX_TOKEN"])
    device = nb.dcim.devices.get(name="ubnd-phuong-phuc-xa-r01")
    before = [{"slug": tag.slug} for tag in device.tags]
    nb.extras.tags.create(name="pilot-x", slug="pilot-x")
    device.update({"tags": [*before, {"slug": "pilot-x"}]})
    try:
        listed = plain(json.loads(ansible_inventory(sample, inventory_file(tmp_path, "netbox"), "--list")))
        assert "pilot-x" in listed["_meta"]["hostvars"]["ubnd-phuong-phuc-xa-r01"]["netops_tags"]
    finally:
        device.update({"tags": before})
        nb.extras.tags.get(slug="pilot-x").delete()
    assert counts_without_unchanged(plan_json(sample, SAMPLE_CITY, "--prune")) == NO_CHANGES


def test_a_cached_inventory_reads_no_netbox_until_flushed_or_expired(sample: dict[str, str], tmp_path: Path) -> None:
    """With Ansible's inventory cache on, a second run within cache_timeout is served from the cache: it succeeds
    with a token NetBox refuses; --flush-cache, or a cache older than the timeout, reads NetBox again."""
    cache = tmp_path / "cache"
    inventory = inventory_file(tmp_path, "netbox", "cache: true", "cache_plugin: ansible.builtin.jsonfile",
                               f"cache_connection: {cache}", "cache_timeout: 3600")
    refused = {**sample, "NETBOX_TOKEN": "nbt_refused.refused"}
    first = ansible_inventory(sample, inventory, "--list")

    assert ansible_inventory(refused, inventory, "--list") == first

    flushed = subprocess.run([str(ANSIBLE_INVENTORY), "-i", str(inventory), "--list", "--flush-cache"], cwd=REPO,
                             env=refused, capture_output=True, text=True, timeout=300, check=False)
    assert flushed.returncode != 0 and "--source netbox is not available" in flushed.stderr, flushed.stderr
    assert ansible_inventory(sample, inventory, "--list", "--flush-cache") == first  # read and stored again
    [stored] = cache.iterdir()
    hour_ago = stored.stat().st_mtime - 3601
    os.utime(stored, (hour_ago, hour_ago))
    expired = subprocess.run([str(ANSIBLE_INVENTORY), "-i", str(inventory), "--list"], cwd=REPO, env=refused,
                             capture_output=True, text=True, timeout=300, check=False)
    assert expired.returncode != 0 and "--source netbox is not available" in expired.stderr, expired.stderr


# -- render -----------------------------------------------------------------------------------------------------


def test_render_from_netbox_equals_render_from_intent(sample: dict[str, str], tmp_path: Path) -> None:
    for source, folder in (("intent", tmp_path / "intent"), ("netbox", tmp_path / "netbox")):
        done = run(["render", "--source", source, "--intent", str(SAMPLE_CITY), "--out", str(folder)], sample)
        assert done.returncode == 0, done.stdout + done.stderr

    def files(folder: Path) -> dict[str, bytes]:
        return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}

    rendered = files(tmp_path / "intent")
    assert len([name for name in rendered if name.endswith(".cfg")]) == len(network_of(SAMPLE_CITY).devices)
    assert files(tmp_path / "netbox") == rendered


def test_monitoring_export_from_netbox_equals_export_from_intent(sample: dict[str, str], tmp_path: Path) -> None:
    """Prometheus' targets and rules from NetBox are byte for byte those from intent (labels, addresses, facts)."""
    for source in ("intent", "netbox"):
        done = run(["monitoring", "export", "--source", source, "--intent", str(SAMPLE_CITY), "--out",
                    str(tmp_path / source)], sample)
        assert done.returncode == 0, done.stdout + done.stderr

    def files(folder: Path) -> dict[str, bytes]:
        return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}

    exported = files(tmp_path / "intent")
    assert exported["targets/snmp.json"].count(b'"targets"') == len(network_of(SAMPLE_CITY).devices)
    assert files(tmp_path / "netbox") == exported


# -- planners: query and analyses ----------------------------------------------------------------------------------

QUERIES = [
    ["sites"],
    ["devices"],
    ["circuits"],
    ["totals"],
    ["totals", "--by", "provider"],
    ["totals", "--by", "district"],
    ["sites", "--district", "001", "--kind", "ward_committee"],
    ["sites", "--redundancy", "single_homed"],
    ["devices", "--role", "aggregation", "--platform", "frr"],
    ["circuits", "--provider", "vnpt", "--min-bandwidth", "100"],
]


@pytest.mark.parametrize("query", QUERIES, ids=[" ".join(q) for q in QUERIES])
def test_query_from_netbox_equals_query_from_intent(sample: dict[str, str], query: list[str]) -> None:
    from_intent = netops_json(sample, "query", *query, "--source", "intent", "--intent", str(SAMPLE_CITY))
    from_netbox = netops_json(sample, "query", *query, "--source", "netbox")
    assert from_intent[1].get("count", from_intent[1].get("sites")), "the query selects something"
    assert from_netbox == from_intent


ANALYSES = [
    ["rollout"],
    ["addresses"],
    ["redundancy"],
    ["what-if"],
    ["what-if", "--fail", "ba-dinh-agg-01"],
    ["policy"],
]


@pytest.mark.parametrize("analysis", ANALYSES, ids=[" ".join(a) for a in ANALYSES])
def test_analysis_from_netbox_equals_analysis_from_intent(sample: dict[str, str], analysis: list[str]) -> None:
    from_intent = netops_json(sample, "analyze", *analysis, "--source", "intent", "--intent", str(SAMPLE_CITY))
    from_netbox = netops_json(sample, "analyze", *analysis, "--source", "netbox")
    assert from_netbox == from_intent
