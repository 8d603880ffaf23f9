"""The vocabulary of the NetBox mapping: references, records, field specifications and the mapper contract.

A :class:`Record` is one NetBox object in a canonical, comparable form: its object type (``dcim.site``), its
natural key (``("ubnd-phuong-phuc-xa",)``) and the fields netops manages, with every reference to another object
written as a :class:`Ref` (object type + natural key), never as a database id. Mappers produce the records the
intent wants (pure functions of the model); the snapshot turns what NetBox holds into records of the same form;
the plan compares the two field by field; apply turns records back into payloads, replacing each reference by
the id it has in NetBox at that moment.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any, ClassVar, NamedTuple

from netops.netbox.tags import MANAGED_TAG

if TYPE_CHECKING:
    from citynet_models.network import Network
    from netops.netbox.mapping.reading import ModelReader

#: A natural key: the values that identify an object among its type (a slug, (device, interface name), ...).
Key = tuple[str, ...]

#: An id lookup: (object type, natural key) -> the NetBox id of the object, if it exists.
IdOf = Callable[[str, Key], int | None]



@dataclass(frozen=True, slots=True, order=True)
class Ref:
    """A reference to another NetBox object by its type and natural key."""

    type: str
    key: Key

    def __str__(self) -> str:
        return f"{self.type}:{'/'.join(self.key)}"


@dataclass(frozen=True, slots=True, order=True)
class Claim:
    """Something unique among the objects of a type besides their key, e.g. a VLAN's name in its group."""

    what: str
    within: Key
    value: str

    def __str__(self) -> str:
        return f"{self.what} {self.value!r} in {'/'.join(self.within)}"


@dataclass(frozen=True, slots=True)
class Pending:
    """A reference read from NetBox as (object type, id), before the referenced object's key is known."""

    type: str
    id: int


@dataclass(frozen=True, slots=True)
class JsonValue:
    """A JSON document (config-context data, a JSON custom field), compared by content, not key order."""

    data: Any

    @property
    def canonical(self) -> str:
        return json.dumps(self.data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, JsonValue) and self.canonical == other.canonical

    def __hash__(self) -> int:
        return hash(self.canonical)


#: A field value in canonical form.
Value = Any


class Kind(StrEnum):
    """How a field is represented in NetBox's API, compared, and written."""

    SCALAR = "scalar"  # str, bool or None, as is
    INTEGER = "integer"  # an int (GraphQL hands big integers out as strings)
    DECIMAL = "decimal"  # a number NetBox keeps as a decimal (latitude): compared rounded to 6 places
    CHOICE = "choice"  # REST {"value": ..., "label": ...}; written as the value
    REF = "ref"  # a foreign key: REST nested {"id": ...}; written as the id
    REFS = "refs"  # many-to-many: compared as the sorted keys; written as a list of ids
    TAGS = "tags"  # tags: compared as the sorted slugs; written as [{"slug": ...}]
    CUSTOM = "custom"  # custom_fields[name]; select values come back as {"value", "label"}
    GENERIC = "generic"  # a generic foreign key: <name>_type ("dcim.site") + <name>_id
    TERMINATIONS = "terminations"  # cable ends: [{"object_type", "object_id"}]
    LIST = "list"  # an array of scalars (or of pairs), order kept (port mappings, choices)
    SET = "set"  # an array of strings whose order means nothing (object types): compared sorted
    JSON = "json"  # a JSON document


@dataclass(frozen=True)
class Field:
    """One field a mapper manages."""

    name: str
    kind: Kind
    #: Object types a reference may point at (REF, REFS: exactly one; GENERIC, TERMINATIONS: the ones we use).
    targets: tuple[str, ...] = ()
    #: Written in a last pass, once every object exists (references to objects of later types: primary IPs).
    late: bool = False
    #: The GraphQL name when it differs from the REST name.
    graphql_name: str | None = None
    #: Not read back into the model: computed from what other fields or objects carry (a site's NetBox status
    #: from its lifecycle), or carried by the object's key or by the references other objects make to it.
    derived: bool = False

    @property
    def attr(self) -> str:
        """The name of the field in a record: ``custom_fields.<name>`` for custom fields."""
        return f"custom_fields.{self.name}" if self.kind is Kind.CUSTOM else self.name


TAGS_FIELD = Field("tags", Kind.TAGS)


class Dependent(NamedTuple):
    """Objects NetBox deletes or changes along with an object of a type (cascade, SET_NULL, PROTECT): the REST
    endpoint listing them and the filter that finds those of one object, e.g. the devices of a site:
    ``Dependent("dcim/devices", "site_id")``."""

    endpoint: str
    parameter: str
    extra: Mapping[str, str] = {}


@dataclass
class Record:
    """One NetBox object in canonical form: what intent wants, or what NetBox holds."""

    type: str
    key: Key
    fields: dict[str, Value]
    #: The NetBox id (records read from NetBox; records created by apply once written).
    id: int | None = None
    #: Whether netops owns the object (it carries the managed tag, or for untaggable types: by name).
    managed: bool = True
    #: Creation wave within the type: objects of wave n reference objects of the same type of waves < n.
    wave: int = 0

    @property
    def label(self) -> str:
        """The key as people read it."""
        return "/".join(self.key)


class Mapper(ABC):
    """Maps one NetBox object type, both ways: the records intent wants, how NetBox's objects of the type compare,
    and what they say about the model when read back. Everything netops knows of the type is here.

    Subclasses declare the REST endpoint, the GraphQL list and type, the fields netops manages, the natural key and
    the references it is made of, the objects NetBox deletes or changes along with one (dependents); they implement
    :meth:`desired` as a pure function of the validated model and, unless the type is vocabulary looked up through
    other objects' references, :meth:`read`. Example record of ``dcim.site``::

        Record(type="dcim.site", key=("ubnd-phuong-phuc-xa",), fields={
            "name": "UBND phường Phúc Xá", "slug": "ubnd-phuong-phuc-xa", "status": "active",
            "region": Ref("dcim.region", ("00001",)),
            "tenant": Ref("tenancy.tenant", ("ubnd-cap-xa",)), "latitude": 21.0466, ...,
            "custom_fields.site_kind": "ward_committee", "tags": ("netops-managed",)})
    """

    #: NetBox object type, as in ``scope_type``/``assigned_object_type``: ``dcim.site``.
    object_type: ClassVar[str]
    #: REST endpoint below /api/: ``dcim/sites``.
    endpoint: ClassVar[str]
    #: GraphQL list query: ``site_list`` (None: read through REST in both modes).
    graphql_list: ClassVar[str | None] = None
    #: GraphQL type name, the ``__typename`` of a generic reference to an object of the type: ``SiteType``.
    graphql_type: ClassVar[str]
    #: Managed fields (``tags`` is added for taggable types).
    fields: ClassVar[tuple[Field, ...]]
    #: Whether objects of the type carry tags (ownership is the managed tag).
    taggable: ClassVar[bool] = True
    #: Shared vocabulary (manufacturers, roles, ...): a same-key object netops does not manage is used as it
    #: is, never changed. Otherwise such an object is a conflict.
    shared: ClassVar[bool] = False
    #: Read every object of the type (small vocabulary tables), not only the managed ones.
    fetch_all: ClassVar[bool] = False
    #: Whether --prune may delete objects of the type that left the intent.
    prunable: ClassVar[bool] = True
    #: Human name for messages: "site", "interface".
    noun: ClassVar[str]
    #: The fields whose references the natural key is computed from (an interface's ``device``): a snapshot
    #: resolves them first, type by type, so that every key is made of keys already known.
    key_refs: ClassVar[tuple[str, ...]] = ()
    #: What NetBox deletes or changes along with an object of the type: before --prune deletes one, apply asks
    #: whether any is still there, and keeps the object if one is (netops does not own it, or keeps it).
    dependents: ClassVar[tuple[Dependent, ...]] = ()

    @classmethod
    def all_fields(cls) -> tuple[Field, ...]:
        """The managed fields, tags included for taggable types."""
        return (*cls.fields, TAGS_FIELD) if cls.taggable else cls.fields

    @abstractmethod
    def desired(self, network: Network) -> Iterable[Record]:
        """The records the model wants, tags excluded (the engine adds the managed tag)."""

    @abstractmethod
    def key(self, fields: Mapping[str, Value]) -> Key:
        """The natural key of an object from its canonical fields (references already resolved)."""

    def wave(self, fields: Mapping[str, Value]) -> int:
        """Creation wave of an object within its type (0 unless it references its own type)."""
        return 0

    def claims(self, fields: Mapping[str, Value]) -> tuple[Value, ...]:
        """What an object holds that no other object of its type may hold at the same time, besides its key
        (a cable: the interfaces and circuit terminations it ends on; NetBox refuses a second cable on one).

        The plan frees a claim (the holder detached first) before another object takes it. Example for the
        cable of ``dc-core-01``'s first WAN port: ``(Ref("dcim.interface", ("dc-core-01", "eth1")),
        Ref("circuits.circuittermination", ("vnpt", "C-1", "A")))``.
        """
        return ()

    def release(self, fields: Mapping[str, Value]) -> dict[str, Value] | None:
        """How an object that keeps existing lets go of its claims: the fields to write first (temporary
        values no other object holds), or None when it is freed by deleting it (and creating it again if intent
        still wants it). Example for the VLAN 10 named ``staff``: ``{"name": "staff (VLAN 10, renamed to
        free the name)"}``."""
        return None

    def owned(self, raw: Mapping[str, Any], fields: Mapping[str, Value]) -> bool:
        """Whether netops owns an object read from NetBox: it carries the managed tag."""
        return MANAGED_TAG in (fields.get("tags") or ())

    def claim_lookups(self, claims: Sequence[Value], id_of: IdOf) -> list[dict[str, Any]]:
        """REST filters that find the objects holding these claims now (to spot holders netops does not own,
        which the managed objects read do not show); none by default."""
        return []

    def lookups(self, keys: Sequence[Key], id_of: IdOf) -> list[dict[str, Any]]:
        """REST filters that find objects with these keys (to spot same-key objects netops does not own).

        ``id_of`` gives the NetBox id of an object already known (to filter by a parent's id).
        """
        return [{"slug": [key[-1] for key in chunk]} for chunk in chunks(keys, 50)]

    def read(self, reader: ModelReader) -> None:  # noqa: B027 (a hook: vocabulary types read nothing)
        """Record -> model: add what the managed objects of the type say about the city to ``reader``.

        Mappers are read in reverse dependency order, as an object of the model is assembled from the NetBox
        objects that reference it: a read may use what the types after it in ``MAPPERS`` left in the reader
        (addresses by interface, cable ends, the LANs of each site). Vocabulary types read nothing: their
        objects are looked up through the references other objects make to them. Example for ``ipam.asn``::

            reader.data["city"]["asn"] = 4200000001
        """

    def record(self, fields: dict[str, Value], *, key: Key | None = None, wave: int = 0) -> Record:
        """A desired record of this type, its key computed from its fields unless given."""
        return Record(type=self.object_type, key=key if key is not None else self.key(fields), fields=fields,
                      wave=wave)


class NamedMapper(Mapper):
    """A mapper of a type whose objects are known by their name (devices, virtual machines, ...)."""

    def key(self, fields: Mapping[str, Value]) -> Key:
        return (str(fields["name"]),)

    def lookups(self, keys: Sequence[Key], id_of: IdOf) -> list[dict[str, Any]]:
        return [{"name": [key[0] for key in chunk]} for chunk in chunks(keys, 50)]


def chunks[T](items: Sequence[T], size: int) -> list[Sequence[T]]:
    """``items`` cut into consecutive slices of at most ``size``."""
    return [items[start:start + size] for start in range(0, len(items), size)]


def ref_key(value: Value) -> Key:
    """The key of a resolved reference (``()`` for none)."""
    return value.key if isinstance(value, Ref) else ()


def slug_of(value: str) -> str:
    """A model vocabulary value as a NetBox slug: ``access_router`` -> ``access-router``."""
    return value.replace("_", "-")


def value_to_json(value: Value) -> Any:
    """A canonical value as JSON (for plan output and test tables)."""
    if isinstance(value, Ref):
        return {"ref": value.type, "key": list(value.key)}
    if isinstance(value, JsonValue):
        return {"json": value.data}
    if isinstance(value, tuple):
        return [value_to_json(item) for item in value]
    return value


def value_from_json(data: Any) -> Value:
    """The inverse of :func:`value_to_json`."""
    if isinstance(data, dict):
        if "ref" in data:
            return Ref(str(data["ref"]), tuple(data["key"]))
        if "json" in data:
            return JsonValue(data["json"])
        raise ValueError(f"not a canonical value: {data!r}")
    if isinstance(data, list):
        return tuple(value_from_json(item) for item in data)
    return data


def record_to_json(record: Record) -> dict[str, Any]:
    """A record as JSON: type, key, fields (and wave when not 0)."""
    data: dict[str, Any] = {"type": record.type, "key": list(record.key),
                            "fields": {name: value_to_json(value) for name, value in record.fields.items()}}
    if record.wave:
        data["wave"] = record.wave
    return data


def record_from_json(data: Mapping[str, Any]) -> Record:
    """The inverse of :func:`record_to_json`."""
    return Record(type=data["type"], key=tuple(data["key"]), wave=int(data.get("wave", 0)),
                  fields={name: value_from_json(value) for name, value in data["fields"].items()})


@dataclass
class RecordSet:
    """Records by type and key, in the mappers' dependency order."""

    by_type: dict[str, dict[Key, Record]] = field(default_factory=dict)

    def add(self, record: Record) -> Record | None:
        """Add a record; return the record already there under the same key, if any (it is kept)."""
        records = self.by_type.setdefault(record.type, {})
        existing = records.get(record.key)
        if existing is None:
            records[record.key] = record
        return existing

    def get(self, object_type: str, key: Key) -> Record | None:
        return self.by_type.get(object_type, {}).get(key)

    def of(self, object_type: str) -> dict[Key, Record]:
        return self.by_type.get(object_type, {})

    def __len__(self) -> int:
        return sum(len(records) for records in self.by_type.values())
