"""The design the templates format: OSPF areas, iBGP reflection, policy filters, management sources."""

from ipaddress import IPv4Interface, IPv4Network

from citynet_models.types import Platform
from netops.pipeline import load_network
from netops.render.design import BACKUP_LAN_COST, CityDesign
from netops.render.retarget import retarget
from netops.render.settings import RenderSettings
from tests.conftest import REPO

SAMPLE = load_network(REPO / "inventory" / "city").network
DESIGN = CityDesign(SAMPLE, RenderSettings())


def test_aggregation_routers_are_abrs_with_uplinks_in_the_backbone() -> None:
    context = DESIGN.context(SAMPLE.device_by_name["ba-dinh-agg-01"])
    assert context.ospf is not None and context.ospf.abr and context.ospf.areas == (0, 1)
    areas = {port.name: port.ospf.area for port in context.ports if port.ospf}
    assert areas["eth1"] == 0 and areas["eth2"] == 0 and areas["eth5"] == 1 and areas["eth0.10"] == 1
    assert context.loopback_port is not None and context.loopback_port.ospf is not None
    assert context.loopback_port.ospf.area == 0


def test_access_areas_are_totally_stubby_and_their_routers_take_only_the_default() -> None:
    """The ABR sends its area a default and nothing of the other areas; every router of the area agrees the area
    is a stub, takes only the default from the reflectors and resolves them through it; the backbone and the
    reflectors are as before."""
    abr = DESIGN.context(SAMPLE.device_by_name["ba-dinh-agg-01"])
    assert abr.ospf is not None and abr.ospf.abr and abr.ospf.stub_areas == (1,)
    assert abr.bgp is not None and abr.bgp.default_only_prefix_list is None and not abr.bgp.next_hops_via_default
    for name in ("ubnd-phuong-phuc-xa-r01", "ubnd-phuong-truc-bach-r01"):  # dual-homed, single-homed
        inside = DESIGN.context(SAMPLE.device_by_name[name])
        assert inside.ospf is not None and not inside.ospf.abr and inside.ospf.stub_areas == (1,)
        assert inside.bgp is not None and inside.bgp.next_hops_via_default
        assert [(g.name, g.default_only) for g in inside.bgp.groups] == [("RR", True)]
        assert inside.bgp.default_only_prefix_list == "DEFAULT-ONLY"
    core = DESIGN.context(SAMPLE.device_by_name["dc-core-01"])
    assert core.ospf is not None and core.ospf.stub_areas == ()
    assert core.bgp is not None and not any(g.default_only for g in core.bgp.groups)


def test_standard_access_areas_give_every_router_every_route() -> None:
    standard = CityDesign(SAMPLE, RenderSettings(access_areas="standard"))
    for name in ("ba-dinh-agg-01", "ubnd-phuong-truc-bach-r01", "dc-core-01"):
        context = standard.context(SAMPLE.device_by_name[name])
        assert context.ospf is not None and context.ospf.stub_areas == ()
        assert context.bgp is not None and context.bgp.default_only_prefix_list is None
        assert not context.bgp.next_hops_via_default


def test_wan_links_are_point_to_point_authenticated_lans_passive() -> None:
    context = DESIGN.context(SAMPLE.device_by_name["ubnd-phuong-phuc-xa-r01"])
    for port in context.wan_ports:
        assert port.ospf is not None and port.ospf.point_to_point and port.ospf.authenticated
        assert port.ospf.cost == 1000 and not port.ospf.passive
    assert all(port.ospf is not None and port.ospf.passive for port in context.lan_ports)


def test_cores_accept_every_other_router_from_the_loopback_pool_and_originate_the_default() -> None:
    core = DESIGN.context(SAMPLE.device_by_name["dc-core-01"]).bgp
    assert core is not None and core.reflector
    # The config names the other core only; the clients come in through the listen range of the loopback pool.
    assert [(n.name, n.group) for n in core.neighbors] == [("dc-core-02", "RR-PEERS")]
    clients = next(g for g in core.groups if g.name == "RR-CLIENTS")
    assert clients.listen_range == SAMPLE.addressing.loopbacks and clients.reflector_client
    assert clients.default_originate and core.listen_limit == RenderSettings().bgp_listen_limit
    routers = [d for d in SAMPLE.devices if d.is_router]
    assert len(core.clients) == len(routers) - 2
    assert all(c.address in SAMPLE.addressing.loopbacks for c in core.clients)
    assert {n.name for n in core.sessions} == {d.name for d in routers} - {"dc-core-01"}
    access = DESIGN.context(SAMPLE.device_by_name["ubnd-phuong-phuc-xa-r01"]).bgp
    assert access is not None and not access.reflector and access.listen_limit is None and not access.clients
    assert [str(n.address) for n in access.neighbors] == ["10.252.0.0", "10.252.0.1"]


def test_a_city_with_more_clients_than_the_listen_limit_is_refused() -> None:
    routers = len([d for d in SAMPLE.devices if d.is_router])
    assert not CityDesign(SAMPLE, RenderSettings(bgp_listen_limit=routers - 2)).problems()
    problems = CityDesign(SAMPLE, RenderSettings(bgp_listen_limit=routers - 3)).problems()
    assert len(problems) == 1 and problems[0].message == "more route-reflector clients than the cores accept"
    assert problems[0].found is not None and problems[0].found.startswith(f"{routers - 2} client routers")


def test_ward_staff_filter_allows_policy_services_and_denies_other_wards() -> None:
    context = DESIGN.context(SAMPLE.device_by_name["ubnd-phuong-phuc-xa-r01"])
    staff = next(p.acl for p in context.lan_ports if p.vlan == 10)
    assert staff is not None and staff.rules[0] == "ward-isolation"
    permits = {(e.protocol, str(e.destination), e.destination_port) for e in staff.entries if e.action == "permit"}
    assert ("tcp", "10.145.1.11/32", 993) in permits  # email (staff-to-egov)
    assert ("tcp", "10.145.1.51/32", 8443) in permits  # population-db (committee staff)
    assert ("tcp", "10.145.1.81/32", 554) not in permits  # video is for cameras only
    denies = [e for e in staff.entries if e.action == "deny"]
    assert denies[0].destination == IPv4Network("10.0.0.0/9")  # every ward LAN
    assert denies[-1].source is None and denies[-1].destination is None  # everything else


def test_guest_lan_reaches_no_other_site() -> None:
    site = SAMPLE.site_by_slug["so-thong-tin-va-truyen-thong-ha-noi"]
    guest = next(lan for lan in site.lans if lan.role == "guest")
    acl = DESIGN.lan_acl(site, guest)
    assert not [e for e in acl.entries if e.action == "permit" and e.destination_port not in (67,)]
    assert "guest-isolation" in acl.rules


def test_management_sources_are_the_oob_pool_site_and_dc_management_lans_and_nms() -> None:
    context = DESIGN.context(SAMPLE.device_by_name["ubnd-phuong-phuc-xa-r01"])
    sources = {str(s) for s in context.management.sources}
    assert sources == {"10.248.0.0/14", "10.145.0.0/26", "10.0.2.112/28"}  # nms-01/syslog-01 sit in 10.145.0.0/26
    assert [h.name for h in context.management.ntp_servers] == ["ntp-01", "ntp-02"]
    assert [h.name for h in context.dhcp_servers] == ["dns-01"]


def test_every_vrrp_member_gets_the_lan_with_its_own_address_relay_and_filter() -> None:
    site = SAMPLE.site_by_slug["ubnd-quan-ba-dinh"]
    staff = next(lan for lan in site.lans if lan.vlan == 10)
    assert staff.redundancy is not None
    ports = {}
    for member in staff.redundancy.members:
        context = DESIGN.context(SAMPLE.device_by_name[member.device])
        port = next(p for p in context.lan_ports if p.vlan == 10)
        ports[member.device] = port
        # FRR: the member's own address alone; the LAN's prefix comes with the virtual address, on the master
        assert port.address == IPv4Interface(f"{member.address}/32")
        assert port.ospf is not None and port.ospf.passive and port.ospf.cost is None
        assert port.vrrp is not None and port.vrrp.priority == member.priority
        assert port.vrrp.virtual == IPv4Interface(f"{staff.gateway}/{staff.prefix.prefixlen}")
        assert port.vrrp.peers == tuple(m.address for m in staff.redundancy.members if m.device != member.device)
        assert [(t.track.interface, t.decrement) for t in port.vrrp.track] == [(t.interface, t.decrement)
                                                                               for t in member.track]
        assert {t.track for t in port.vrrp.track} <= set(context.tracks)
    master, backup = (ports[m.device] for m in staff.redundancy.members)
    assert master.vrrp is not None and master.vrrp.master and backup.vrrp is not None and not backup.vrrp.master
    # the backup enforces the same policy and relays DHCP the same way, ready to take over
    assert master.acl == backup.acl and master.dhcp_relay and backup.dhcp_relay
    assert master.acl is not None and master.acl.entries[0].protocol == "vrrp"
    assert master.acl.entries[0].destination == IPv4Network("224.0.0.18/32")


def test_only_the_vrrp_master_attracts_the_lan_on_every_platform() -> None:
    staff = next(lan for lan in SAMPLE.site_by_slug["dc-hanoi"].lans if lan.redundancy is not None)
    assert staff.redundancy is not None
    master, backup = (SAMPLE.device_by_name[m.device] for m in staff.redundancy.members)
    for platform in (Platform.CISCO_IOSXE, Platform.HUAWEI_VRP):
        # VRRP there needs the LAN's prefix on the interface: the backup's LAN costs more than the master's
        ports = [next(p for p in DESIGN.context(retarget(device, platform)).lan_ports if p.vlan == staff.vlan)
                 for device in (master, backup)]
        assert [p.address for p in ports] == [IPv4Interface(f"{m.address}/{staff.prefix.prefixlen}")
                                              for m in staff.redundancy.members]
        assert [p.ospf.cost for p in ports if p.ospf] == [None, BACKUP_LAN_COST]
    frr = [next(p for p in DESIGN.context(device).lan_ports if p.vlan == staff.vlan) for device in (master, backup)]
    assert [p.address.network.prefixlen for p in frr] == [32, 32]
    assert [p.vrrp.virtual.network for p in frr if p.vrrp] == [staff.prefix, staff.prefix]
    # a LAN of one router keeps its prefix on the interface
    single = DESIGN.context(SAMPLE.device_by_name["ubnd-phuong-phuc-xa-r01"])
    assert all(p.address.network.prefixlen < 32 and p.ospf and p.ospf.cost is None for p in single.lan_ports)


def test_a_lan_with_one_router_has_no_vrrp_and_no_vrrp_permit() -> None:
    context = DESIGN.context(SAMPLE.device_by_name["ubnd-phuong-phuc-xa-r01"])
    assert context.lan_ports and not context.vrrp_ports and not context.tracks and context.ha is None
    assert all(e.protocol != "vrrp" for port in context.lan_ports if port.acl for e in port.acl.entries)


def test_the_firewall_pair_fails_over_as_one_sync_group() -> None:
    active = DESIGN.context(SAMPLE.device_by_name["dc-fw-01"])
    standby = DESIGN.context(SAMPLE.device_by_name["dc-fw-02"])
    assert active.ha is not None and standby.ha is not None
    assert (active.ha.pair, active.ha.role, active.ha.peer) == ("dc-fw", "active", "dc-fw-02")
    assert (standby.ha.role, standby.ha.peer) == ("standby", "dc-fw-01")
    link = next(link for link in SAMPLE.links if link.id == SAMPLE.ha_pairs[0].sync_link)
    assert {link.upstream.device, link.downstream.device} == {"dc-fw-01", "dc-fw-02"}
    assert active.ha.sync_port in {p.name for p in active.wan_ports}
    assert standby.ha.sync_port in {p.name for p in standby.wan_ports}
    for context in (active, standby):
        [(name, ports)] = context.sync_groups
        assert name == "dc-fw" and {p.vlan for p in ports} == {lan.vlan for lan in
                                                              SAMPLE.site_by_slug["dc-hanoi"].lans}
        assert context.acls and all(p.acl is not None for p in ports), "both firewalls enforce the policy"


def test_tracking_follows_the_device_when_rendered_as_another_platform() -> None:
    device = retarget(SAMPLE.device_by_name["ba-dinh-agg-02"], Platform.CISCO_IOSXE)
    context = DESIGN.context(device)
    names = {p.name for p in context.wan_ports}
    assert context.tracks and all(t.interface in names for t in context.tracks)
    assert all(t.interface.startswith("GigabitEthernet") for t in context.tracks)
    assert [t.number for t in context.tracks] == sorted(t.number for t in context.tracks)


def test_track_objects_are_numbered_by_port_so_a_new_port_renumbers_nothing() -> None:
    from netops.render.design import _track_numbers

    assert _track_numbers(["eth1", "eth2"]) == {"eth1": 1, "eth2": 2}
    # a downlink added as eth5 later, and a hand-named port: the existing numbers stay
    assert _track_numbers(["eth1", "eth5", "eth2", "to-isp"]) == {"eth1": 1, "eth5": 5, "eth2": 2, "to-isp": 6}
