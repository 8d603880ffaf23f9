"""A network with first-hop redundancy for the lab's pure tests, made from the sample city the way the model
contract lays it out (virtual address = the LAN's gateway, each member's own address the LAN's broadcast - 1 -
its device number, a LAN interface on every member, the master's the LAN's gateway interface)."""

from ipaddress import IPv4Interface
from typing import Any

from citynet_models.devices import LanInterface
from citynet_models.network import Network

#: The sample's hub with two aggregation routers: its LANs are on the first.
HUB_SITE = "ubnd-huyen-dong-anh"
MASTER, BACKUP = "dong-anh-agg-01", "dong-anh-agg-02"


def with_vrrp(network: Network, site: str = HUB_SITE, members: tuple[str, ...] = (MASTER, BACKUP)) -> Network:
    """`network` with VRRP across `members` (master first) on every LAN of `site` routed by the first of them."""
    data: dict[str, Any] = network.model_dump(mode="json")
    devices = {d["name"]: d for d in data["devices"]}
    lans = [lan for s in data["sites"] if s["slug"] == site for lan in s["lans"] if lan["gateway_device"] == members[0]]
    assert lans, f"no LAN of {site} routed by {members[0]}"
    for lan in lans:
        prefix = IPv4Interface(f"{lan['gateway']}/{lan['prefix'].split('/')[1]}").network
        own = {name: prefix.broadcast_address - 1 - int(name.rsplit("-", 1)[1]) for name in members}
        master_interface = next(i for i in devices[members[0]]["interfaces"]
                                if i["kind"] == "lan" and i["lan"] == lan["name"])
        master_interface["address"] = f"{own[members[0]]}/{prefix.prefixlen}"
        for name in members[1:]:
            devices[name]["interfaces"].append(LanInterface(
                kind="lan", name=master_interface["name"], description=f"{lan['name']} (VRRP backup)",
                address=IPv4Interface(f"{own[name]}/{prefix.prefixlen}"), vlan=lan["vlan"],
                lan=lan["name"]).model_dump(mode="json"))
        lan["redundancy"] = {
            "group": lan["vlan"], "virtual_address": lan["gateway"], "preempt": True, "preempt_delay_s": 0,
            "members": [{"device": name, "interface": master_interface["name"], "address": str(own[name]),
                         "priority": 110 - 10 * index, "track": []} for index, name in enumerate(members)]}
    return Network.model_validate(data)


def keepalived_conf(network: Network, device: str) -> str:
    """A keepalived.conf for `device`'s VRRP groups, as test input for the lab (what `netops render` makes of the
    model for the FRR platform is the lab's real input)."""
    lines = ["global_defs {", f"    router_id {device}", "    vrrp_garp_master_refresh 60", "}"]
    for site in network.sites:
        for lan in site.lans:
            vrrp = lan.redundancy
            member = next((m for m in vrrp.members if m.device == device), None) if vrrp is not None else None
            if vrrp is None or member is None:
                continue
            lines += [f"vrrp_instance {site.slug}-{lan.name} {{", "    version 3", "    state BACKUP",
                      f"    interface {member.interface}", f"    virtual_router_id {vrrp.group}",
                      f"    priority {member.priority}", f"    advert_int {vrrp.advertisement_interval_ms / 1000:g}"]
            if not vrrp.preempt:
                lines.append("    nopreempt")
            elif vrrp.preempt_delay_s:
                lines.append(f"    preempt_delay {vrrp.preempt_delay_s}")
            if member.track:
                lines += ["    track_interface {",
                          *[f"        {t.interface} weight -{t.decrement}" for t in member.track], "    }"]
            lines += ["    virtual_ipaddress {", f"        {lan.gateway}/{lan.prefix.prefixlen}", "    }", "}"]
    return "\n".join(lines) + "\n"
