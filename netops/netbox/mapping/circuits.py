"""Providers, circuit types, circuits and their terminations (the carrier links of the WAN)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from citynet_models.links import Provider, WanLink
from citynet_models.sites import Site
from netops.netbox.mapping.base import Field, IdOf, Key, Kind, Mapper, Record, Ref, Value, chunks
from netops.netbox.vocabulary import CIRCUIT_STATUS, CIRCUIT_TYPES

if TYPE_CHECKING:
    from citynet_models.network import Network


def provider_record(provider: Provider) -> Record:
    """A carrier."""
    return Record("circuits.provider", (provider.slug,), {"name": provider.name, "slug": provider.slug})


class ProviderMapper(Mapper):
    """circuits.provider: the carriers of the WAN circuits."""

    object_type = "circuits.provider"
    endpoint = "circuits/providers"
    graphql_list = "provider_list"
    noun = "provider"
    fields = (Field("name", Kind.SCALAR), Field("slug", Kind.SCALAR))

    def desired(self, network: Network) -> Iterable[Record]:
        return [provider_record(provider) for provider in network.providers]

    def key(self, fields: Mapping[str, Value]) -> Key:
        return (str(fields["slug"]),)


class CircuitTypeMapper(Mapper):
    """circuits.circuittype: one per physical medium (the model's ``media``)."""

    object_type = "circuits.circuittype"
    endpoint = "circuits/circuit-types"
    graphql_list = "circuit_type_list"
    noun = "circuit type"
    fields = (Field("name", Kind.SCALAR), Field("slug", Kind.SCALAR))
    shared = True
    fetch_all = True
    prunable = False

    def desired(self, network: Network) -> Iterable[Record]:
        used = sorted({link.circuit.media for link in network.links if link.circuit is not None})
        return [Record(self.object_type, (CIRCUIT_TYPES[media].slug,),
                       {"name": CIRCUIT_TYPES[media].name, "slug": CIRCUIT_TYPES[media].slug}) for media in used]

    def key(self, fields: Mapping[str, Value]) -> Key:
        return (str(fields["slug"]),)


def circuit_record(link: WanLink, downstream: Site) -> Record:
    """The circuit of a carrier link: provider, type by medium, committed rate (kbit/s), status from the site
    it serves."""
    assert link.circuit is not None
    circuit = link.circuit
    return Record("circuits.circuit", (circuit.provider, circuit.circuit_id), {
        "cid": circuit.circuit_id, "provider": Ref("circuits.provider", (circuit.provider,)),
        "type": Ref("circuits.circuittype", (CIRCUIT_TYPES[circuit.media].slug,)),
        "status": CIRCUIT_STATUS[downstream.status], "commit_rate": circuit.bandwidth_mbps * 1000,
        "description": f"WAN link {link.id}"[:200],
    })


class CircuitMapper(Mapper):
    """circuits.circuit: one per carrier link (key: provider and circuit id)."""

    object_type = "circuits.circuit"
    endpoint = "circuits/circuits"
    graphql_list = "circuit_list"
    noun = "circuit"
    fields = (Field("cid", Kind.SCALAR), Field("provider", Kind.REF, ("circuits.provider",)),
              Field("type", Kind.REF, ("circuits.circuittype",)), Field("status", Kind.CHOICE),
              Field("commit_rate", Kind.INTEGER), Field("description", Kind.SCALAR))

    def desired(self, network: Network) -> Iterable[Record]:
        devices, sites = network.device_by_name, network.site_by_slug
        return [circuit_record(link, sites[devices[link.downstream.device].site])
                for link in network.links if link.circuit is not None]

    def key(self, fields: Mapping[str, Value]) -> Key:
        provider = fields["provider"]
        return (*(provider.key if isinstance(provider, Ref) else ("?",)), str(fields["cid"]))

    def lookups(self, keys: Sequence[Key], id_of: IdOf) -> list[dict[str, Any]]:
        return [{"cid": [key[-1] for key in chunk]} for chunk in chunks(keys, 50)]


def termination_records(link: WanLink, upstream_site: str, downstream_site: str) -> list[Record]:
    """A carrier circuit's two ends: A at the upstream device's site, Z at the downstream device's site."""
    assert link.circuit is not None
    circuit = (link.circuit.provider, link.circuit.circuit_id)
    return [Record("circuits.circuittermination", (*circuit, side), {
        "circuit": Ref("circuits.circuit", circuit), "term_side": side,
        "termination": Ref("dcim.site", (site,)),
    }) for side, site in (("A", upstream_site), ("Z", downstream_site))]


class CircuitTerminationMapper(Mapper):
    """circuits.circuittermination: where each end of a circuit lands (termination type dcim.site)."""

    object_type = "circuits.circuittermination"
    endpoint = "circuits/circuit-terminations"
    graphql_list = "circuit_termination_list"
    noun = "circuit termination"
    fields = (Field("circuit", Kind.REF, ("circuits.circuit",)), Field("term_side", Kind.CHOICE),
              Field("termination", Kind.GENERIC, ("dcim.site",)))

    def desired(self, network: Network) -> Iterable[Record]:
        devices = network.device_by_name
        return [record for link in network.links if link.circuit is not None
                for record in termination_records(link, devices[link.upstream.device].site,
                                                  devices[link.downstream.device].site)]

    def key(self, fields: Mapping[str, Value]) -> Key:
        circuit = fields["circuit"]
        return (*(circuit.key if isinstance(circuit, Ref) else ("?",)), str(fields["term_side"]))

    def lookups(self, keys: Sequence[Key], id_of: IdOf) -> list[dict[str, Any]]:
        ids = sorted({i for key in keys if (i := id_of("circuits.circuit", key[:2])) is not None})
        return [{"circuit_id": list(chunk)} for chunk in chunks(ids, 50)]
