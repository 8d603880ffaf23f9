"""Helpers of the NetBox sync tests: intents, snapshots built without a server, the test server's settings."""

from __future__ import annotations

import ipaddress
import itertools
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from citynet_models.network import Network
from netops.netbox.mapping import MAPPERS, desired_records
from netops.netbox.mapping.base import Record, RecordSet
from netops.netbox.snapshot import Snapshot
from netops.pipeline import load_network

TESTS = Path(__file__).resolve().parents[1]
REPO = TESTS.parent
SMALL_CITY = TESTS / "netbox" / "cases" / "small"
SAMPLE_CITY = REPO / "inventory" / "city"
RESOLVE_CASES = sorted(p / "intent" for p in (TESTS / "resolve" / "cases").iterdir() if (p / "intent").is_dir())


def network_of(intent: Path) -> Network:
    return load_network(intent).network


def snapshot_holding(records: RecordSet, *, managed: bool = True) -> Snapshot:
    """A snapshot as NetBox would give it after applying ``records``: the same records, each with an id."""
    snapshot = Snapshot()
    ids = itertools.count(1)
    for mapper in MAPPERS:
        for record in records.of(mapper.object_type).values():
            copy = Record(record.type, record.key, dict(record.fields), id=next(ids),
                          managed=managed and mapper.owned({}, record.fields), wave=record.wave)
            snapshot.records.add(copy)
            assert copy.id is not None
            snapshot.remember(record.type, record.key, copy.id)
    return snapshot


def desired_of(intent: Path) -> RecordSet:
    return desired_records(network_of(intent))


def netbox_server(settings: dict[str, str], base: dict[str, str], *, command: str = "up") -> Iterator[dict[str, str]]:
    """A test NetBox of its own (`settings`: its NETOPS_NETBOX_HOME and ports) started by `netops netbox COMMAND`
    (up, or reset for an empty one); yields `base` with the settings and the client's NETBOX_URL/NETBOX_TOKEN,
    and stops the server afterwards."""
    env = base | settings

    def netops(*args: str, timeout: float) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "netops", *args], cwd=REPO, env=env, capture_output=True,
                              text=True, timeout=timeout, check=False)

    up = netops("netbox", command, *(["--yes"] if command == "reset" else []), timeout=1800)
    try:
        assert up.returncode == 0, up.stdout + up.stderr
        values = dict(line.split("=", 1) for line in
                      (Path(settings["NETOPS_NETBOX_HOME"]) / "netbox.env").read_text().splitlines()
                      if line and not line.startswith("#"))
        yield env | {"NETBOX_URL": values["NETBOX_URL"], "NETBOX_TOKEN": values["NETBOX_TOKEN"]}
    finally:
        netops("netbox", "down", timeout=300)


def with_redundancy(network: Network, site: str, *, pair: str | None = None, priorities: tuple[int, int] = (110, 100),
                    track_decrement: int = 20) -> Network:
    """The network with VRRP on every LAN of a site with two routers, built the way the intent contract allocates
    it (virtual address = the LAN's gateway, each member's own address broadcast - 1 - its device number, VRID =
    VLAN id, the lower device number master, each member tracking its WAN uplinks); with ``pair``, the site's two
    routers also form an HA pair of that name, synced over the link between them, and their LANs' groups are in
    its sync group. Validated like any network (the model's checks run)."""
    data = network.model_dump(mode="json")
    routers = sorted((d for d in data["devices"] if d["site"] == site and d["role"] != "switch"),
                     key=lambda d: d["number"])[:2]
    assert len(routers) == 2, f"{site} has no two routers"
    the_site = next(s for s in data["sites"] if s["slug"] == site)
    for lan in the_site["lans"]:
        prefix = ipaddress.ip_network(lan["prefix"])
        members = []
        for index, router in enumerate(routers):
            own = prefix.broadcast_address - 1 - int(router["number"])
            interfaces = router["interfaces"]
            existing = next((i for i in interfaces if i["kind"] == "lan" and i["vlan"] == lan["vlan"]), None)
            if existing is None:
                existing = {"kind": "lan", "name": lan["gateway_interface"], "vlan": lan["vlan"], "lan": lan["name"],
                            "description": f"LAN {lan['name']} VLAN {lan['vlan']} of {site}"}
                interfaces.append(existing)
            existing["address"] = f"{own}/{prefix.prefixlen}"
            uplinks = [i["name"] for i in interfaces if i["kind"] == "wan"]
            members.append({"device": router["name"], "interface": existing["name"], "address": str(own),
                            "priority": priorities[index],
                            "track": [{"interface": name, "decrement": track_decrement} for name in uplinks]})
        lan["gateway_device"], lan["gateway_interface"] = members[0]["device"], members[0]["interface"]
        lan["redundancy"] = {"protocol": "vrrp", "group": lan["vlan"], "virtual_address": lan["gateway"],
                             "members": members, "preempt": True, "preempt_delay_s": 60,
                             "advertisement_interval_ms": 1000, "sync_group": pair}
    if pair is not None:
        names = {r["name"] for r in routers}
        link = next(link for link in data["links"]
                    if {link["upstream"]["device"], link["downstream"]["device"]} == names)
        data["ha_pairs"] = [*data.get("ha_pairs", []), {
            "name": pair, "site": site, "members": [r["name"] for r in routers], "mode": "active_standby",
            "sync_link": link["id"], "heartbeat_interval_ms": 1000, "dead_interval_ms": 3000, "preempt": False}]
    return Network.model_validate(data)


def small_city_without_its_second_core(folder: Path) -> Path:
    """A copy of the small city in ``folder`` whose data center lost its second router (dc-core-02, and the
    district hub's circuit to it): the servers LAN, VRRP across both cores in the small city, is left with one."""
    shutil.copytree(SMALL_CITY, folder, dirs_exist_ok=True)
    city = folder / "city.yml"
    second = "      - name: dc-core-02\n        role: core\n        uplinks: [{to: dc-core-01}]\n"
    text = city.read_text(encoding="utf-8")
    assert second in text
    city.write_text(text.replace(second, ""), encoding="utf-8")
    district = folder / "districts" / "001-ba-dinh.yml"
    circuit = "          - {to: dc-core-02, provider: fpt, circuit_id: F-2, bandwidth_mbps: 1000}\n"
    text = district.read_text(encoding="utf-8")
    assert circuit in text
    district.write_text(text.replace(circuit, ""), encoding="utf-8")
    return folder
