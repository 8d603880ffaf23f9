"""The lab plan from the model: pure, no root needed."""

from ipaddress import IPv4Address, IPv4Network
from pathlib import Path

import pytest

from citynet_models.addressing import MANAGEMENT_RESERVED
from citynet_models.network import Network
from netops.errors import InputError
from netops.lab.configs import saved_config
from netops.lab.frr import bootstrap_config
from netops.lab.reach import allowed_services, expectations
from netops.lab.scripts import host_script, router_script
from netops.lab.topology import (
    IFNAME_MAX,
    NETNS_NAME_MAX,
    NETNS_PREFIXES,
    LabPlan,
    management_branches,
    management_links,
    management_port_name,
    plan_lab,
)
from netops.pipeline import load_network
from tests.lab.helpers import LEGACY_CITY

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def city() -> Network:
    return load_network(REPO / "inventory" / "city").network


@pytest.fixture(scope="module")
def plan(city: Network) -> LabPlan:
    return plan_lab(city)


def test_every_device_link_and_lan_is_in_the_lab(city: Network, plan: LabPlan) -> None:
    assert [r.device for r in plan.routers] == [d.name for d in city.devices]
    assert [link.id for link in plan.links] == [link.id for link in city.links]
    lans = sum(len(site.lans) for site in city.sites)
    dc_lans = {(h.site, h.lan) for h in city.hosts}
    pcs = [h for h in plan.hosts if h.kind == "pc"]
    assert len(pcs) == lans - len(dc_lans)  # one PC per LAN without data-center hosts
    assert sorted(h.name for h in plan.hosts if h.kind == "server") == sorted(h.name for h in city.hosts)
    assert plan.left_out == () and plan.emulated == () and plan.districts == ()
    assert all(r.runs_frr for r in plan.routers)


def test_names_fit_linux_and_frr(plan: LabPlan) -> None:
    names = plan.namespaces()
    assert len(names) == len(set(names))
    assert all(name.startswith(NETNS_PREFIXES) and len(name) <= NETNS_NAME_MAX for name in names)
    for router in plan.routers:
        assert router.netns == f"nl-{router.device}"
        ifnames = [p.name for p in router.wan] + [lan.name for lan in router.lans] + [router.management_port]
        assert all(len(name) <= IFNAME_MAX and "/" not in name for name in ifnames)
        assert len(set(ifnames)) == len(ifnames)
    assert len({r.management_port for r in plan.routers}) == len(plan.routers)
    assert management_port_name("dc-core-01") == management_port_name("dc-core-01")
    assert management_port_name("dc-core-01").startswith("nlm")


def test_links_carry_the_model_interface_names(city: Network, plan: LabPlan) -> None:
    by_id = {link.id: link for link in city.links}
    for link in plan.links:
        model = by_id[link.id]
        assert (link.upstream, link.upstream_interface) == (model.upstream.device, model.upstream.interface)
        assert (link.downstream, link.downstream_interface) == (model.downstream.device, model.downstream.interface)
    port = plan.router_by_device["ubnd-phuong-phuc-xa-r01"].wan[0]
    assert (port.name, str(port.address), port.peer_device, port.peer_interface) == (
        "eth1", "10.194.20.129/31", "ba-dinh-agg-01", "eth5")


def test_pc_and_server_addresses(city: Network, plan: LabPlan) -> None:
    lans = {(site.slug, lan.name): lan for site in city.sites for lan in site.lans}
    for host in plan.hosts:
        lan = lans[(host.site, host.lan)]
        assert host.address.network == lan.prefix
        assert host.gateway == lan.gateway and host.address.ip != lan.gateway
        assert host.address.ip not in (lan.prefix.network_address, lan.prefix.broadcast_address)
    pc = plan.host_by_name["ubnd-phuong-phuc-xa-r01-v10"]
    assert (pc.netns, str(pc.address), str(pc.gateway), pc.router_interface) == (
        "nlh-ubnd-phuong-phuc-xa-r01-v10", "10.0.2.62/26", "10.0.2.1", "eth0.10")
    model = lans[("dc-hanoi", "servers")]
    gateway = plan.router_by_device[model.gateway_device]
    servers = next(lan for lan in gateway.lans if lan.lan == "servers")
    # the firewall pair shares the servers' LAN: a segment of its own, the hosts plugged into its bridge
    assert not servers.bridged and servers.name == model.gateway_interface == "eth0.100"
    assert servers.segment == "nlb-dc-hanoi-v100"
    motcua = plan.host_by_name["motcua-01"]
    assert motcua.netns == "nls-motcua-01" and motcua.lan_interface == "eth0.100"
    assert motcua.segment == "nlb-dc-hanoi-v100" and motcua.router_interface.startswith("h")
    assert [(p.protocol, p.port) for p in motcua.listens] == [("tcp", 443)]
    dns = plan.host_by_name["dns-01"]
    assert [(p.protocol, p.port, p.services) for p in dns.listens] == [
        ("tcp", 53, ("dns",)), ("udp", 53, ("dns",)), ("udp", 67, ("dhcp",))]


def test_management_network(city: Network, plan: LabPlan) -> None:
    management = plan.management
    assert management.network == city.addressing.management and management.bridge == "nl-mgmt"
    reserved = list(management.network.hosts())[:MANAGEMENT_RESERVED]
    assert management.root_address.ip in reserved
    assert management.root_address.ip not in {d.management.ip for d in city.devices}


@pytest.fixture(scope="module")
def legacy_city() -> Network:
    return load_network(LEGACY_CITY).network


@pytest.mark.parametrize(("structure", "names"), [
    ("2025", ["001", "Cụm Ba Đình"]),
    ("legacy", ["001", "Quận Ba Đình"]),
])
def test_district_selection_keeps_the_data_center(city: Network, legacy_city: Network, structure: str,
                                                  names: list[str]) -> None:
    network = city if structure == "2025" else legacy_city
    plan = plan_lab(network, ["ba-dinh"])
    assert plan.districts == ("001",)
    sites = {r.site for r in plan.routers}
    assert "dc-hanoi" in sites
    assert all(network.site_by_slug[s].area in (None, "001") for s in sites)
    assert not any(network.site_by_slug[s].kind == "city_agency" for s in sites)
    devices = {r.device for r in plan.routers}
    assert all({link.upstream, link.downstream} <= devices for link in plan.links)
    assert all(port.peer_device in devices for r in plan.routers for port in r.wan)
    assert set(plan.left_out) == {d.name for d in network.devices} - devices
    assert plan_lab(network, names).digest() == plan.digest()
    # --area selects the same area in both structures
    assert plan_lab(network, [], ["cum-ba-dinh"]).digest() == plan.digest()


@pytest.mark.parametrize(("structure", "noun", "slug"), [("2025", "area", "cum-ba-dinh"),
                                                         ("legacy", "district", "quan-ba-dinh")])
def test_unknown_district_is_an_input_error(city: Network, legacy_city: Network, structure: str, noun: str,
                                            slug: str) -> None:
    with pytest.raises(InputError) as raised:
        plan_lab(city if structure == "2025" else legacy_city, ["ba-dinhh"])
    problem = raised.value.problems[0]
    assert problem.path == ("--district",) and problem.message == f"unknown {noun}" and slug in (problem.hint or "")


def test_unknown_area_is_an_input_error(city: Network) -> None:
    with pytest.raises(InputError) as raised:
        plan_lab(city, [], ["ba-dinhh"])
    problem = raised.value.problems[0]
    assert problem.path == ("--area",) and problem.message == "unknown area"
    assert (problem.hint or "").startswith("did you mean cum-ba-dinh?")


def test_plan_round_trips_and_its_digest_is_stable(city: Network, plan: LabPlan) -> None:
    again = LabPlan.from_json(plan.to_json())
    assert again == plan and again.digest() == plan.digest() == plan_lab(city).digest()


def test_other_platforms_run_as_frr_with_frr_names() -> None:
    network = load_network(REPO / "tests" / "resolve" / "cases" / "platforms" / "intent").network
    plan = plan_lab(network)
    assert plan.emulated  # IOS-XE and VRP routers
    for router in plan.routers:
        assert all(port.name.startswith("eth") for port in router.wan)
        assert all(lan.name.startswith("eth0.") for lan in router.lans)
    for link in plan.links:
        up = plan.router_by_device[link.upstream]
        assert link.upstream_interface in {p.name for p in up.wan}


def test_switches_get_no_frr() -> None:
    network = load_network(REPO / "tests" / "render" / "cases" / "switch-site" / "intent").network
    plan = plan_lab(network)
    switch = plan.router_by_device["ubnd-phuong-truc-bach-sw02"]
    assert not switch.runs_frr and switch.wan
    assert switch not in plan.frr_routers()
    script = router_script(switch, set(), None)
    assert f"address replace {switch.wan[0].address} dev eth1" in script


def test_bootstrap_scripts(plan: LabPlan) -> None:
    router = plan.router_by_device["ubnd-phuong-phuc-xa-r01"]
    script = router_script(router, {"eth2"}, Path("/x/nftables.nft"))
    assert "net.ipv4.ip_forward=1" in script
    assert f"address replace {router.management} dev mgmt0" in script
    assert "link set eth1 up" in script and "link set eth2 up" not in script  # a failed link stays down
    assert "address replace 10.194" not in script  # WAN addresses are FRR's
    assert 'iifname "mgmt0" drop' in script and 'oifname "mgmt0" drop' in script
    assert script.rstrip().endswith("nft -f /x/nftables.nft")
    pc = plan.host_by_name["ubnd-phuong-phuc-xa-r01-v10"]
    assert "route replace default via 10.0.2.1 dev eth0 onlink" in host_script(pc)


def test_expectations_follow_the_policy(city: Network, plan: LabPlan) -> None:
    assert allowed_services(city, "ubnd-phuong-phuc-xa", "staff") == {
        "email", "document-management", "portal", "dns", "ntp", "dhcp", "one-stop-shop", "population-db"}
    assert allowed_services(city, "dang-uy-phuong-phuc-xa", "staff") == {
        "email", "document-management", "portal", "dns", "ntp", "dhcp"}
    party = plan.host_by_name["dang-uy-phuong-phuc-xa-r01-v10"]
    probes = expectations(city, plan, [party])
    reach = {(str(p.destination), p.protocol, p.port) for p in probes if p.expect}
    refuse = {(str(p.destination), p.protocol, p.port) for p in probes if not p.expect}
    assert ("10.145.1.21", "tcp", 443) in reach  # document management
    assert ("10.145.1.31", "tcp", 443) in refuse  # the one-stop-shop: party staff are not granted it
    assert ("10.248.0.1", "tcp", 22) in refuse and ("10.248.0.1", "icmp", None) in refuse
    assert (str(party.gateway), "icmp", None) in reach
    assert not reach & refuse
    staff = plan.host_by_name["ubnd-phuong-phuc-xa-r01-v10"]
    management = plan.host_by_name["ubnd-phuong-phuc-xa-r01-v99"]
    loopback = plan.router_by_device["ubnd-phuong-phuc-xa-r01"].loopback
    assert isinstance(loopback, IPv4Address)
    ssh = {p.source: p.expect for p in expectations(city, plan, [staff, management])
           if p.destination == loopback and p.port == 22}
    assert ssh == {staff.netns: False, management.netns: True}
    every = expectations(city, plan, [party], denied="all")
    assert len([p for p in every if not p.expect]) > len(refuse)


def test_saved_config_says_which_adjacencies_to_expect(plan: LabPlan, tmp_path: Path) -> None:
    golden = REPO / "tests" / "render" / "cases" / "hanoi-sample" / "expected" / "frr"
    edge = saved_config(golden / "ubnd-phuong-phuc-xa-r01.cfg")
    assert edge.ospf_interfaces == {"eth1", "eth2"}  # lo and the LANs are passive
    assert edge.bgp_neighbors == {"10.252.0.0", "10.252.0.1"}  # the route reflectors
    core = saved_config(golden / "dc-core-01.cfg")
    assert core.bgp_neighbors == {"10.252.0.1"}  # the other reflector; the clients come from the listen range
    assert core.bgp_listen_ranges == {IPv4Network("10.252.0.0/14")}
    assert core.accepts("10.252.66.144") and core.accepts("10.252.0.1") and not core.accepts("10.248.0.5")
    assert not edge.accepts("10.252.66.148")
    path = tmp_path / "frr.conf"
    path.write_text(bootstrap_config(plan.router_by_device["dc-core-01"]))
    assert saved_config(path) == saved_config(tmp_path / "missing.conf")
    assert not saved_config(path).ospf_interfaces and not saved_config(path).bgp_neighbors


def test_a_lan_with_one_router_stays_a_veth(city: Network, plan: LabPlan) -> None:
    shared = [(site.slug, lan.vlan) for site in city.sites for lan in site.lans if len(lan.gateway_devices) > 1]
    assert sorted((s.site, s.vlan) for s in plan.segments) == sorted(shared)
    # one namespace per shared LAN on top of the routers and hosts, nothing else
    assert len(plan.namespaces()) == len(plan.routers) + len(plan.hosts) + len(shared)
    pc = plan.host_by_name["ubnd-phuong-phuc-xa-r01-v10"]
    assert pc.segment is None and pc.router_interface == pc.lan_interface == "eth0.10"
    router = plan.router_by_device["ubnd-phuong-phuc-xa-r01"]
    assert not router.vrrp and all(lan.segment is None and lan.address is None for lan in router.lans)


HUB_SITE = "ubnd-huyen-dong-anh"
MASTER, BACKUP = "dong-anh-agg-01", "dong-anh-agg-02"


def test_shared_lans_are_segments(city: Network) -> None:
    from netops.lab.scripts import bridge_ports_script, segment_script
    from netops.lab.topology import SEGMENT_PREFIX
    from netops.lab.up import _veths

    network = city
    plan = plan_lab(network, ["017"])
    site = network.site_by_slug[HUB_SITE]
    hub = [s for s in plan.segments if s.site == HUB_SITE]
    assert [(s.lan, s.vlan) for s in hub] == [(lan.name, lan.vlan) for lan in site.lans]
    names = plan.namespaces()
    assert len(names) == len(set(names)) and all(n.startswith(NETNS_PREFIXES) for n in names)
    pairs = _veths(plan)
    for segment, lan in zip(hub, site.lans, strict=True):
        assert segment.netns == f"{SEGMENT_PREFIX}{HUB_SITE}-v{lan.vlan}"
        assert str(segment.virtual_address) == f"{lan.gateway}/{lan.prefix.prefixlen}"
        assert [(m.device, m.interface, m.port) for m in segment.members] == [
            (MASTER, f"eth0.{lan.vlan}", "m1"), (BACKUP, f"eth0.{lan.vlan}", "m2")]
        assert lan.redundancy is not None
        for member in lan.redundancy.members:
            router = plan.router_by_device[member.device]
            port = next(p for p in router.lans if p.lan == lan.name)
            # each member keeps the model's interface name and its own address; the gateway is the virtual one
            assert (port.name, port.segment, port.bridged) == (member.interface, segment.netns, False)
            assert port.address is not None and port.address.ip == member.address and port.gateway.ip == lan.gateway
            assert (router.netns, member.interface, segment.netns,
                    f"m{lan.redundancy.members.index(member) + 1}") in pairs
        pcs = [h for h in plan.hosts if h.segment == segment.netns]
        assert [(h.kind, h.router, h.router_interface) for h in pcs] == [("pc", MASTER, "h1")]
        pc = pcs[0]
        assert pc.gateway == lan.gateway and pc.address.ip not in {m.address for m in lan.redundancy.members}
        assert pc.address.ip != lan.gateway and pc.address.network == lan.prefix
        assert (segment.netns, "h1", pc.netns, "eth0") in pairs
        script = segment_script(segment, plan.hosts)
        for port_name in ("m1", "m2", "h1"):
            assert f"link set {port_name} master lan" in script and f"link set {port_name} up" in script
    for device in (MASTER, BACKUP):
        router = plan.router_by_device[device]
        assert router.vrrp
        assert bridge_ports_script(router, plan.hosts, set()) == []  # the segment's hosts are not its ports
        # FRR addresses the member's interface (frr.conf); the script only raises it
        assert all(f"address replace {p.gateway}" not in router_script(router, set(), None) for p in router.lans)
    # one PC per LAN, as without first-hop redundancy: the hub's PCs are named after the master
    assert len([h for h in plan.hosts if h.site == HUB_SITE]) == len(site.lans)
    # the hub's pair and the data center's firewall pair
    assert sorted(r.device for r in plan.routers if r.vrrp) == sorted([MASTER, BACKUP, "dc-fw-01", "dc-fw-02"])
    # the plan survives its JSON round trip (it is kept next to the lab state)
    assert LabPlan.from_json(plan.to_json()) == plan


def test_keepalived_runs_only_where_a_gateway_is_shared(city: Network) -> None:
    from netops.lab.hostd import DAEMONS, VRRP_DAEMON, daemons

    plan = plan_lab(city, ["017"])
    for router in plan.frr_routers():
        expected = (*DAEMONS, VRRP_DAEMON) if router.device in (MASTER, BACKUP, "dc-fw-01", "dc-fw-02") else DAEMONS
        assert daemons(router) == expected, router.device


def test_failures_cut_only_single_homed_sites_the_city_accepts(city: Network, plan: LabPlan) -> None:
    from netops.lab.failover import accepted, cut_sites

    # the firewall pair and the hubs' second routers: no site depends on one of them alone
    assert cut_sites(city, plan, ["dc-fw-01"]) == [] and cut_sites(city, plan, ["dc-fw-02"]) == []
    assert cut_sites(city, plan, []) == []
    cut = cut_sites(city, plan, ["dong-anh-agg-01"])
    single = [s.slug for s in city.sites if s.slug in {r.site for r in plan.routers}
              and {link.upstream for link in plan.links if plan.router_by_device[link.downstream].site == s.slug
                   and plan.router_by_device[link.upstream].site != s.slug} == {"dong-anh-agg-01"}]
    assert cut == single and cut, "a hub router the sample hangs single-homed wards on"
    assert all(accepted(city, site) and city.site_by_slug[site].kind != "hub" for site in cut)
    assert not accepted(city, "dc-hanoi")
    # the whole data center gone: every site is cut off, the data center's own too
    gone = [r.device for r in plan.routers if r.site == "dc-hanoi"]
    assert set(cut_sites(city, plan, gone)) == {r.site for r in plan.routers}


def test_a_failed_member_is_nobodys_router_in_the_probes(city: Network, plan: LabPlan) -> None:
    from netops.lab.reach import own_routers

    pc = plan.host_by_name[f"{MASTER}-v99"]  # the hub's management LAN: its routers' ssh must answer
    assert own_routers(plan, pc) == [MASTER, BACKUP]
    assert own_routers(plan, pc, failed=[MASTER]) == [BACKUP]
    loopbacks = {plan.router_by_device[d].loopback: d for d in (MASTER, BACKUP)}
    wanted = [p for p in expectations(city, plan, [pc]) if p.destination in loopbacks and p.expect]
    assert sorted(loopbacks[p.destination] for p in wanted) == [MASTER, BACKUP]
    failed = [p for p in expectations(city, plan, [pc], failed=[MASTER]) if p.destination in loopbacks and p.expect]
    assert [loopbacks[p.destination] for p in failed] == [BACKUP]


def test_the_management_network_is_one_bridge_until_a_bridge_is_full(plan: LabPlan,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from netops.lab import topology

    ports = [r.management_port for r in plan.routers] + (
        [plan.monitoring.management_port] if plan.monitoring is not None else [])
    (only,) = management_branches(plan)
    assert only.bridge == plan.management.bridge and only.uplink is None and list(only.ports) == ports
    # Linux bridges hold 1,024 ports: a bigger lab's management network is a tree of bridges
    monkeypatch.setattr(topology, "MANAGEMENT_BRIDGE_PORTS", 10)
    branches = management_branches(plan)
    assert len(branches) == -(-len(ports) // 10) and all(len(b.ports) <= 10 for b in branches)
    assert [p for b in branches for p in b.ports] == ports  # each port on exactly one bridge
    assert branches[0].bridge == plan.management.bridge and branches[0].uplink is None
    names = management_links(plan)
    assert len(names) == len(ports) + 3 * len(branches) - 2  # bridges, both ends of each uplink, ports
    assert all(len(name) <= IFNAME_MAX for name in names)
