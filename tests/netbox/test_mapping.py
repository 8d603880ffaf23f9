"""The mapping model -> NetBox records: pure functions, one JSON table each (tests/netbox/data/<function>.json),
and the mapper contract every object type keeps."""

from __future__ import annotations

import typing
from typing import Any

import pytest
from pydantic import TypeAdapter

from netops.netbox.mapping import MAPPER_BY_TYPE, MAPPERS, desired_records
from netops.netbox.mapping.base import Kind, Record, Ref, record_to_json
from netops.netbox.snapshot import graphql_selection, rest_fields
from tests.netbox import tables
from tests.netbox.support import SAMPLE_CITY, SMALL_CITY, network_of

MAPPING_TABLES = tables.tables_of("netops.netbox.mapping.")


def _records_json(result: Any) -> Any:
    if result is None:
        return None
    if isinstance(result, Record):
        return record_to_json(result)
    return [record_to_json(record) for record in result]


@pytest.mark.parametrize(("table", "case_id"), tables.cases(MAPPING_TABLES))
def test_mapping_function(request: pytest.FixtureRequest, table: str, case_id: str) -> None:
    data = tables.load(table)
    function = tables.function(data["function"])
    hints = typing.get_type_hints(function)
    case = next(case for case in data["cases"] if case["id"] == case_id)
    args = {name: TypeAdapter(hints[name]).validate_python(value) for name, value in case["args"].items()}

    tables.check(request, table, case_id, _records_json(function(**args)))


def test_every_table_names_a_function_that_exists() -> None:
    for table in MAPPING_TABLES:
        assert callable(tables.function(tables.load(table)["function"])), table


# -- the contract of a mapper ----------------------------------------------------------------------------------


def test_mappers_are_one_per_object_type_with_unique_endpoints() -> None:
    assert len(MAPPER_BY_TYPE) == len(MAPPERS)
    assert len({mapper.endpoint for mapper in MAPPERS}) == len(MAPPERS)
    for mapper in MAPPERS:
        attrs = [spec.attr for spec in mapper.all_fields()]
        assert len(attrs) == len(set(attrs)), mapper.object_type
        assert mapper.noun and mapper.endpoint.count("/") == 1


def test_references_point_backwards_in_dependency_order() -> None:
    """A type references only earlier types, its own type (creation waves), or later types through late fields:
    that is what lets apply create everything in one pass."""
    position = {mapper.object_type: index for index, mapper in enumerate(MAPPERS)}
    for mapper in MAPPERS:
        for spec in mapper.all_fields():
            for target in spec.targets:
                assert target in position, f"{mapper.object_type}.{spec.name} -> unknown {target}"
                if position[target] > position[mapper.object_type]:
                    assert spec.late, f"{mapper.object_type}.{spec.name} references the later {target}"


def test_key_references_are_declared_for_composite_keys() -> None:
    for mapper in MAPPERS:
        kinds = {spec.name: spec.kind for spec in mapper.all_fields()}
        assert all(kinds[name] in (Kind.REF, Kind.GENERIC, Kind.TERMINATIONS) for name in mapper.key_refs), (
            mapper.object_type)


def test_generic_references_have_graphql_type_names() -> None:
    for mapper in MAPPERS:
        for spec in mapper.all_fields():
            if spec.kind in (Kind.GENERIC, Kind.TERMINATIONS):
                assert all(MAPPER_BY_TYPE[target].graphql_type for target in spec.targets), (mapper.object_type,
                                                                                            spec.name)
        assert rest_fields(mapper).startswith("id")
        if mapper.graphql_list is not None:
            assert graphql_selection(mapper).startswith("id")


@pytest.mark.parametrize("intent", [SMALL_CITY, SAMPLE_CITY], ids=["small", "sample"])
def test_desired_records_reference_only_desired_objects(intent: typing.Any) -> None:
    """Referential integrity of the mapping: every reference of every record names a record of the same plan."""
    records = desired_records(network_of(intent))
    for object_type, by_key in records.by_type.items():
        mapper = MAPPER_BY_TYPE[object_type]
        for key, record in by_key.items():
            assert mapper.key(record.fields) == key, (object_type, key)
            for value in record.fields.values():
                refs = value if isinstance(value, tuple) else (value,)
                for ref in refs:
                    if isinstance(ref, Ref):
                        assert records.get(ref.type, ref.key) is not None, f"{object_type} {key} -> {ref}"


def test_every_object_carries_the_managed_tag() -> None:
    records = desired_records(network_of(SMALL_CITY))
    for mapper in MAPPERS:
        for record in records.of(mapper.object_type).values():
            assert ("netops-managed" in record.fields.get("tags", ())) is mapper.taggable, mapper.object_type


def test_subinterfaces_hang_off_their_parent_port_with_the_lan_vlan_untagged() -> None:
    records = desired_records(network_of(SMALL_CITY)).of("dcim.interface")
    sub = records[("ubnd-phuong-phuc-xa-r01", "GigabitEthernet0/0/0.20")]
    parent = records[("ubnd-phuong-phuc-xa-r01", "GigabitEthernet0/0/0")]

    assert sub.fields["parent"] == Ref("dcim.interface", parent.key)
    assert sub.fields["mode"] == "access"
    assert sub.fields["untagged_vlan"] == Ref("ipam.vlan", ("ubnd-phuong-phuc-xa", "20"))
    assert (sub.wave, parent.wave) == (1, 0)
