"""Networks for the analysis tests, built from the sample city: VRRP groups on chosen LANs, HA pairs, design
rules. They are built without validation (as tests/models/test_checks.py does): the analyses under test read
the model, and the intent that would produce these networks is resolve's to test."""

from collections.abc import Iterable, Mapping, Sequence
from ipaddress import IPv4Address
from typing import Any

from pydantic import TypeAdapter

from citynet_models.design_rules import AcceptedRisk, DesignPolicy, DesignRule
from citynet_models.gateways import FirstHopRedundancy, GatewayMember, HaPair
from citynet_models.lans import Lan
from citynet_models.network import Network


def rebuilt(network: Network, **update: object) -> Network:
    """The network with fields replaced, its cached indexes built afresh (model_copy would carry them over)."""
    values = {name: getattr(network, name) for name in Network.model_fields}
    return Network.model_construct(**{**values, **update})


def vrrp(lan: Lan, members: Sequence[str], sync_group: str | None = None) -> FirstHopRedundancy:
    """A VRRP group on the LAN: the first member is the master (and must be the LAN's gateway device); each
    member's own address counts down from the top of the prefix."""
    top = int(lan.prefix.broadcast_address)
    return FirstHopRedundancy(
        group=min(lan.vlan, 255), virtual_address=lan.gateway, sync_group=sync_group,
        members=tuple(GatewayMember(device=device, interface=lan.gateway_interface,
                                    address=IPv4Address(top - 1 - i), priority=110 - 10 * i)
                      for i, device in enumerate(members)))


def with_vrrp(network: Network, groups: Mapping[str, Sequence[str]], sync_group: str | None = None) -> Network:
    """Every LAN of each site in ``groups`` gets a VRRP group across the site's listed routers (the LAN's own
    gateway device first)."""
    sites = []
    for site in network.sites:
        members = groups.get(site.slug)
        if members is None:
            sites.append(site)
            continue
        lans = tuple(lan.model_copy(update={"redundancy": vrrp(
            lan, [lan.gateway_device, *(m for m in members if m != lan.gateway_device)], sync_group)})
            for lan in site.lans)
        sites.append(site.model_copy(update={"lans": lans}))
    return rebuilt(network, sites=tuple(sites))


def with_design(network: Network, rules: Iterable[Mapping[str, Any]], risks: Iterable[Mapping[str, Any]] = (),
                ha_pairs: Iterable[HaPair] = ()) -> Network:
    """The network with the given design rules (as YAML would give them), accepted risks and HA pairs."""
    adapter: TypeAdapter[DesignRule] = TypeAdapter(DesignRule)
    design = DesignPolicy(rules=tuple(adapter.validate_python(rule) for rule in rules),
                          accepted_risks=tuple(AcceptedRisk.model_validate(risk) for risk in risks))
    return rebuilt(network, design=design, ha_pairs=(*network.ha_pairs, *ha_pairs))


def without_redundancy(network: Network) -> Network:
    """The network as it was before first-hop redundancy: every LAN on its one gateway device (the master), no
    HA pair, no design rules."""
    sites = tuple(site.model_copy(update={"lans": tuple(lan.model_copy(update={"redundancy": None})
                                                         for lan in site.lans)})
                  for site in network.sites)
    return rebuilt(network, sites=sites, ha_pairs=(), design=DesignPolicy())
