"""The phases that turn intent files into a validated Network, with the error gate after each.

    load    every file read (file:line of every value) and checked against the schema   -> gate
    resolve one phase per concern: catalogues, sites, devices, links, LANs, hosts         -> gate
    checks  the Network root's cross-object checks                                        -> gate
    running the network in service (`in_service`): what render, the lab, verify and the what-if and
            redundancy analyses work on

A gate raises InputError with every problem of its phase; nothing downstream runs, so nothing is ever written
from invalid input. The resolve phases share one gate: each skips what an earlier problem made impossible (a
refused device has no links, a site with a refused device no LAN check), so their problems are reported together
and one mistake is reported once. NetBox is the other source of a Network (netops/sources.py); both end in the
same checks.
"""

from pathlib import Path

from citynet_models.devices import Device, WanInterface
from citynet_models.network import Network
from citynet_models.types import LifecycleStatus
from netops.gc_policy import no_cyclic_gc
from netops.intent.loader import LoadedIntent, load_intent
from netops.resolve import catalogues, devices, hosts, lans, links, record, redundancy, sites
from netops.resolve.build import Parts, Resolution, build_network
from netops.resolve.collect import Phase, SourceMap, gate
from netops.rollout import gates as lifecycle

DEFAULT_INTENT_DIR = Path("inventory/city")


def load_network(intent_dir: Path = DEFAULT_INTENT_DIR) -> Resolution:
    """Load, resolve and validate the city; raise InputError with every problem of the first phase that has any."""
    return load_intent_and_network(intent_dir)[1]


def load_intent_and_network(intent_dir: Path = DEFAULT_INTENT_DIR) -> tuple[LoadedIntent, Resolution]:
    """The intent files as loaded and the city they validate to (`load_network`), for a command that works on
    the files once they are known valid (`netops reorganize`)."""
    with no_cyclic_gc():
        intent = load_intent(intent_dir)  # gate: YAML and schema problems of every file
        parts, sources = resolve(intent)  # gate: every resolve phase's problems
        return intent, build_network(intent, parts, sources)  # gate: the cross-object checks' problems


def resolve(intent: LoadedIntent) -> tuple[Parts, SourceMap]:
    """Derive and allocate everything the intent leaves out, concern by concern; raise InputError with every
    problem of every phase. Each phase takes only what the ones before it produced."""
    plan = intent.city.addressing
    # The city and its catalogues need nothing but the intent.
    city = catalogues.resolve_city(intent)
    units = catalogues.resolve_admin_units(intent)
    providers = catalogues.resolve_providers(intent)
    services = catalogues.resolve_services(intent)
    # Sites get their addressing key (level, official code, site number): every address derives from it.
    computed_sites = sites.plan_sites(intent)
    # A site of the allocation record keeps its recorded key, whatever its unit is now (allocations.yml).
    site_plans = record.settle_keys(computed_sites.value, intent.allocations)
    # Devices are named and numbered within their site.
    device_plans = devices.plan_devices(site_plans.value)
    # A site's status is its rollout ledger's last state, with the evidence of every step (rollout/<slug>/).
    lifecycle_gate = lifecycle.check_lifecycle(intent, site_plans.value, device_plans.value,
                                               every_site=not computed_sites.problems and not site_plans.problems)
    # Links come from each device's uplinks: they need every device's name.
    link_plans = links.plan_links(plan, device_plans.value.devices)
    # Ports: given and recorded ones first, free ones after, numbered by addressing key (not by file order).
    recorded_ports = record.recorded_ports(intent.allocations, device_plans.value.devices, link_plans.value,
                                           link_plans.sources)
    named_links = links.name_ports(device_plans.value.devices, link_plans.value, link_plans.sources,
                                   recorded_ports.value)
    # HA pairs join two devices of a site that a link of their own joins (the sync link).
    ha_pairs = redundancy.resolve_ha_pairs(site_plans.value, device_plans.value, link_plans.value)
    # LANs need each site's devices, for their gateway; a VRRP group its HA pair and the uplink ports it tracks.
    site_lans = lans.resolve_lans(plan, site_plans.value, device_plans.value, ha_pairs.value,
                                  intent.city.redundancy.vrrp, redundancy.uplink_interfaces(named_links.value))
    # The design rules are checked against the whole network by the model checks.
    design = redundancy.resolve_design(intent)
    # Each site attaches through an aggregation area: its file's, else its upstream routers'.
    areas = links.attachment_areas(site_plans.value, named_links.value)
    wan = links.build_links(named_links.value, link_plans.sources, areas)
    # Devices are built once the LANs and links have made their interfaces; sites once their LANs are known.
    built_devices = devices.build_devices(plan, device_plans, site_lans.value.interfaces, wan.value.interfaces)
    # A site model carries the number its intent gives (a recorded key may keep the number of a former unit).
    built_sites = sites.build_sites(computed_sites.value, site_lans.value.by_site,
                                    links.upstream_devices(named_links.value), areas)
    # Data-center hosts sit on the data centers' LANs.
    dc_hosts = hosts.resolve_hosts(site_plans.value, site_lans.value.by_site, site_lans.value.refused)
    phases: tuple[Phase[object], ...] = (city, units, providers, services, computed_sites, site_plans,
                                         device_plans, lifecycle_gate, link_plans, recorded_ports, named_links,
                                         ha_pairs, site_lans, design, wan, built_devices, built_sites, dc_hosts)
    gate(phases)
    assert city.value is not None  # a city refused is a problem, and the gate stopped
    # What `netops allocations update` writes: the record with this resolution's keys and ports added.
    allocations = record.record_of(intent.allocations, site_plans.value, named_links.value)
    parts = Parts(city=city.value, structure=intent.structure, districts=units.value.districts,
                  wards=units.value.wards, areas=units.value.areas,
                  providers=providers.value, services=services.value, sites=built_sites.value,
                  devices=built_devices.value, links=wan.value.links, hosts=dc_hosts.value,
                  ha_pairs=ha_pairs.value.pairs, design=design.value, allocations=allocations)
    return parts, _sources(phases)


def _sources(phases: tuple[Phase[object], ...]) -> SourceMap:
    # The phases record disjoint paths (each concern its own part of the model), in phase order.
    return {path: location for phase in phases for path, location in phase.sources.items()}


def in_service(network: Network) -> Network:
    """The running network: `network` without its decommissioned sites.

    A decommissioned site is out of the running network: its devices, the WAN links to them and the interfaces
    its neighbours had on those links are left out, so nothing renders, brings up, verifies or counts them (its
    hub's downlink port is left unconfigured). The full network, with the site, is still what NetBox is told
    (the decommissioning statuses) and what the allocations keep reserved. Leaving sites out of a valid network
    keeps it valid (a site in service never hangs off a decommissioned one: the model checks refuse it), so the
    view is built without running the checks again. Without a decommissioned site it is `network` itself.
    """
    gone = {site.slug for site in network.sites if site.status is LifecycleStatus.DECOMMISSIONED}
    if not gone:
        return network
    devices_gone = {device.name for device in network.devices if device.site in gone}
    links = tuple(link for link in network.links
                  if link.upstream.device not in devices_gone and link.downstream.device not in devices_gone)
    kept_links = {link.id for link in links}
    return network.replaced(
        sites=tuple(site for site in network.sites if site.slug not in gone),
        devices=tuple(_without_links(device, kept_links) for device in network.devices
                      if device.name not in devices_gone),
        links=links,
        hosts=tuple(host for host in network.hosts if host.site not in gone),
    )


def _without_links(device: Device, kept_links: set[str]) -> Device:
    """The device without its interfaces on links that are not kept (the same object when it has none)."""
    interfaces = tuple(interface for interface in device.interfaces
                       if not isinstance(interface, WanInterface) or interface.link in kept_links)
    if len(interfaces) == len(device.interfaces):
        return device
    return device.model_copy(update={"interfaces": interfaces})
