"""Each mapper holds all of its object type's knowledge, both ways: what it writes it reads back, and its
metadata (GraphQL type, key references, dependents) agrees with its fields and with the other mappers.

Adding a field to a mapper without reading it back (or without saying why it need not be: ``derived``) fails
here, as does reading a field declared derived.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from citynet_models.network import Network
from netops.generate import CitySize, generate_city
from netops.netbox.mapping import MAPPER_BY_TYPE, MAPPERS, desired_records
from netops.netbox.mapping.base import Kind, Mapper, Ref
from netops.netbox.mapping.dcim import DeviceRoleMapper, PlatformMapper
from netops.netbox.read import network_from_snapshot
from tests.netbox.support import SAMPLE_CITY, SMALL_CITY, network_of, snapshot_holding, with_redundancy

#: A generated city small enough for a unit test, with every kind of site, link and host the generator makes.
GENERATED = CitySize(districts=3, wards_per_district=4, seed=7)


def _reads_back(mapper: Mapper) -> bool:
    """Whether the model is read from the type's own objects: every type but the vocabulary ones (shared tables
    and netops' schema, which are looked up through the references other objects make to them)."""
    return type(mapper).read is not Mapper.read or mapper.prunable


class _Tracked(dict[str, Any]):
    """A record's fields that note every name read."""

    def __init__(self, fields: dict[str, Any], seen: set[str]) -> None:
        super().__init__(fields)
        self.seen = seen

    def __getitem__(self, name: str) -> Any:
        self.seen.add(name)
        return super().__getitem__(name)

    def get(self, name: str, default: Any = None) -> Any:
        self.seen.add(name)
        return super().get(name, default)


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("generated")
    for relative, text in generate_city(GENERATED).items():
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return folder


@pytest.fixture(params=["small", "sample", "generated"])
def network(request: pytest.FixtureRequest, generated: Path) -> Iterator[Network]:
    yield network_of({"small": SMALL_CITY, "sample": SAMPLE_CITY, "generated": generated}[request.param])


def test_a_generated_city_read_back_from_what_the_mappers_write_is_the_same_city(generated: Path) -> None:
    """The hand-written cities' round trips are test_read.py's."""
    network = network_of(generated)

    back = network_from_snapshot(snapshot_holding(desired_records(network))).network

    assert back.model_dump(mode="json") == network.model_dump(mode="json")


def test_every_field_a_mapper_writes_is_read_back_unless_derived(generated: Path) -> None:
    """Over the three cities together, and the small one with VRRP and an HA pair: a field one city leaves unread
    (a server's rack, in a city without servers) is read in another."""
    seen: dict[str, set[str]] = {mapper.object_type: set() for mapper in MAPPERS}
    networks = [network_of(intent) for intent in (SMALL_CITY, SAMPLE_CITY, generated)]
    networks.append(with_redundancy(networks[0], "dc", pair="dc-core"))
    for network in networks:
        snapshot = snapshot_holding(desired_records(network))
        for object_type, records in snapshot.records.by_type.items():
            for record in records.values():
                record.fields = _Tracked(record.fields, seen[object_type])
        network_from_snapshot(snapshot)

    for mapper in MAPPERS:
        if not _reads_back(mapper):
            continue
        written = {spec.attr for spec in mapper.fields if not spec.derived}
        derived = {spec.attr for spec in mapper.fields if spec.derived}
        assert written - seen[mapper.object_type] == set(), f"{mapper.object_type}: written, never read back"
        assert derived & seen[mapper.object_type] == set(), f"{mapper.object_type}: read back, yet declared derived"


def test_vocabulary_types_are_read_through_references_only() -> None:
    """A type whose objects are not read itself is shared vocabulary or netops' schema: never pruned, and
    never declaring derived fields (all of its fields are)."""
    for mapper in MAPPERS:
        if not _reads_back(mapper):
            assert mapper.shared or mapper.fetch_all, mapper.object_type
            assert not any(spec.derived for spec in mapper.fields), mapper.object_type


def test_the_vocabulary_lookups_invert_what_the_mappers_write(network: Network) -> None:
    """The slug tables the read side looks values up in give back every value the mapping writes."""
    records = desired_records(network)
    for device in network.devices:
        record = records.get("dcim.device", (device.name,))
        assert record is not None
        role, platform = record.fields["role"], record.fields["platform"]
        assert DeviceRoleMapper.role_by_slug[role.key[0]] is device.role
        assert PlatformMapper.platform_by_slug[platform.key[0]] is device.platform


# -- metadata --------------------------------------------------------------------------------------------------


def test_every_mapper_names_a_distinct_graphql_type() -> None:
    types = [mapper.graphql_type for mapper in MAPPERS]
    assert all(name.endswith("Type") for name in types)
    assert len(set(types)) == len(types)


def test_the_key_is_computed_from_the_declared_key_references_only(network: Network) -> None:
    """Changing any other reference of a record leaves its key alone: the snapshot resolves only the declared
    ones before computing keys."""
    for object_type, records in desired_records(network).by_type.items():
        mapper = MAPPER_BY_TYPE[object_type]
        for key, record in list(records.items())[:50]:
            fields = {name: (Ref(value.type, ("elsewhere",)) if isinstance(value, Ref)
                             and name not in mapper.key_refs else value)
                      for name, value in record.fields.items()}
            assert mapper.key(fields) == key, (object_type, key)


def test_key_references_are_what_composite_keys_are_made_of(network: Network) -> None:
    """A type whose keys have parts from a reference declares it (else a snapshot could compute a key from an
    unresolved reference)."""
    for object_type, records in desired_records(network).by_type.items():
        mapper = MAPPER_BY_TYPE[object_type]
        for key, record in list(records.items())[:50]:
            refs = {name for name, value in record.fields.items()
                    if isinstance(value, Ref) or (isinstance(value, tuple) and value and isinstance(value[0], Ref))}
            unresolved = {name: Ref("?", ("unresolved",)) if name in refs and isinstance(value, Ref) else value
                          for name, value in record.fields.items()}
            if mapper.key(unresolved) != key:
                assert set(mapper.key_refs) & refs, (object_type, key)


def test_dependents_are_listed_through_endpoints_netops_maps() -> None:
    endpoints = {mapper.endpoint for mapper in MAPPERS}
    for mapper in MAPPERS:
        for dependent in mapper.dependents:
            assert dependent.endpoint in endpoints, (mapper.object_type, dependent)
            assert dependent.parameter.endswith("_id"), (mapper.object_type, dependent)


def test_every_prunable_type_another_mapper_references_lists_it_as_a_dependent() -> None:
    """Deleting an object NetBox still has something referencing is what --prune must never do blindly: every
    reference a mapper writes to a prunable type is covered by that type's dependents (late references apart:
    apply sets and unsets them itself)."""
    for mapper in MAPPERS:
        for spec in mapper.fields:
            if spec.late or spec.kind not in (Kind.REF, Kind.GENERIC, Kind.TERMINATIONS):
                continue
            for target in spec.targets:
                referenced = MAPPER_BY_TYPE[target]
                if not referenced.prunable:
                    continue
                covering = {dependent.endpoint for dependent in referenced.dependents}
                assert mapper.endpoint in covering, f"{mapper.object_type}.{spec.name} -> {target}"
