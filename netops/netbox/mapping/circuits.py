"""Providers, circuit types, circuits and their terminations (the carrier links of the WAN)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from citynet_models.links import Provider, WanLink
from citynet_models.problems import item
from citynet_models.sites import Site
from citynet_models.types import Media
from netops.netbox.mapping.base import Dependent, Field, IdOf, Key, Kind, Mapper, Record, Ref, Value, chunks
from netops.netbox.mapping.reading import ModelReader, first_of, ordered
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
    graphql_type = "ProviderType"
    noun = "provider"
    fields = (Field("name", Kind.SCALAR), Field("slug", Kind.SCALAR))
    dependents = (Dependent("circuits/circuits", "provider_id"),)

    def desired(self, network: Network) -> Iterable[Record]:
        return [provider_record(provider) for provider in network.providers]

    def key(self, fields: Mapping[str, Value]) -> Key:
        return (str(fields["slug"]),)

    def read(self, reader: ModelReader) -> None:
        """The carriers, in intent's order."""
        records = ordered(reader.managed(self.object_type), lambda r: str(r.fields["slug"]),
                          reader.order.get("providers"))
        for record in records:
            reader.locate(("providers", item(record.fields["slug"])), record)
        reader.data["providers"] = [{"slug": r.fields["slug"], "name": r.fields["name"]} for r in records]


class CircuitTypeMapper(Mapper):
    """circuits.circuittype: one per physical medium (the model's ``media``)."""

    object_type = "circuits.circuittype"
    endpoint = "circuits/circuit-types"
    graphql_list = "circuit_type_list"
    graphql_type = "CircuitTypeType"
    noun = "circuit type"
    fields = (Field("name", Kind.SCALAR), Field("slug", Kind.SCALAR))
    shared = True
    fetch_all = True
    prunable = False
    #: The medium of each circuit type slug.
    media_by_slug: ClassVar[Mapping[str, Media]] = {named.slug: media for media, named in CIRCUIT_TYPES.items()}

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
    graphql_type = "CircuitType"
    noun = "circuit"
    fields = (Field("cid", Kind.SCALAR), Field("provider", Kind.REF, ("circuits.provider",)),
              Field("type", Kind.REF, ("circuits.circuittype",)), Field("status", Kind.CHOICE, derived=True),
              Field("commit_rate", Kind.INTEGER), Field("description", Kind.SCALAR, derived=True))
    key_refs = ("provider",)
    dependents = (Dependent("circuits/circuit-terminations", "circuit_id"),)

    def desired(self, network: Network) -> Iterable[Record]:
        devices, sites = network.device_by_name, network.site_by_slug
        return [circuit_record(link, sites[devices[link.downstream.device].site])
                for link in network.links if link.circuit is not None]

    def key(self, fields: Mapping[str, Value]) -> Key:
        provider = fields["provider"]
        return (*(provider.key if isinstance(provider, Ref) else ("?",)), str(fields["cid"]))

    def lookups(self, keys: Sequence[Key], id_of: IdOf) -> list[dict[str, Any]]:
        return [{"cid": [key[-1] for key in chunk]} for chunk in chunks(keys, 50)]

    def read(self, reader: ModelReader) -> None:
        """The circuits as the model's circuit of a carrier link: provider, id, committed rate (Mbit/s), medium."""
        for record in reader.managed(self.object_type):
            media = CircuitTypeMapper.media_by_slug.get(first_of(record.fields.get("type")) or "")
            reader.circuits[record.key] = {
                "provider": first_of(record.fields.get("provider")), "circuit_id": record.fields["cid"],
                "bandwidth_mbps": int(record.fields.get("commit_rate") or 0) // 1000,
                "media": media.value if isinstance(media, Media) else None}


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
    graphql_type = "CircuitTerminationType"
    noun = "circuit termination"
    # A link's ends are read from its cables, which end on the terminations (side A upstream, Z downstream).
    fields = (Field("circuit", Kind.REF, ("circuits.circuit",), derived=True),
              Field("term_side", Kind.CHOICE, derived=True),
              Field("termination", Kind.GENERIC, ("dcim.site",), derived=True))
    key_refs = ("circuit",)
    dependents = (Dependent("dcim/cables", "circuittermination_id"),)

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
