"""Seed a NetBox database with netops' records through NetBox's ORM, in bulk: benchmark fixtures only.

Runs with NetBox's own venv Python (``DJANGO_SETTINGS_MODULE=netbox.settings``, ``NETBOX_ROOT`` set), reading the
records of ``netops.netbox.mapping.desired_records`` as JSON on stdin (the format of ``record_to_json``, in
dependency order). Writing through the API costs NetBox 110-200 ms of CPU per object (change log, search
index, cable paths, signals); ``bulk_create`` skips all of that, so a 50,000-object city is seeded in about
a minute instead of hours. What it skips: change-log entries, the global-search cache, cable paths and the
``cable`` field of cabled interfaces, prefix depth/children counters. The benchmark checks the result the
hard way: ``netops plan`` against the seeded NetBox must find nothing to do.

Never used by netops itself: apply writes through the API, as every NetBox client must.
"""

import json
import sys
import time

import django

django.setup()

from django.apps import apps  # noqa: E402
from django.contrib.contenttypes.models import ContentType  # noqa: E402
from django.db import transaction  # noqa: E402

#: Types with few objects, or whose save() computes what must be right (ltree paths of nested groups): saved
#: one by one. The rest go through bulk_create with the denormalized fields filled in here.
SAVE_ONE_BY_ONE = {"extras.tag", "extras.customfieldchoiceset", "extras.customfield", "extras.configcontext",
                   "dcim.region", "tenancy.tenantgroup", "tenancy.tenant", "ipam.rir", "ipam.asn", "ipam.role",
                   "dcim.manufacturer", "dcim.devicetype", "dcim.devicerole", "dcim.platform", "dcim.rack",
                   "virtualization.clustertype", "virtualization.cluster", "ipam.servicetemplate",
                   "ipam.vlangroup"}
LATE = ("primary_ip4", "oob_ip")
CACHE_SCOPE = {"ipam.prefix", "circuits.circuittermination"}


def main() -> None:
    data = json.load(sys.stdin)
    ids: dict[tuple[str, tuple[str, ...]], int] = {}
    content_types: dict[str, ContentType] = {}
    tags: dict[str, int] = {}
    began = time.monotonic()

    def model_of(object_type: str):  # type: ignore[no-untyped-def]
        app_label, name = object_type.split(".")
        return apps.get_model(app_label, name)

    def ct(object_type: str) -> ContentType:
        if object_type not in content_types:
            content_types[object_type] = ContentType.objects.get_for_model(model_of(object_type))
        return content_types[object_type]

    def ref_id(value: dict) -> int | None:  # type: ignore[type-arg]
        if value is None:
            return None
        return ids[(value["ref"], tuple(value["key"]))]

    late: list[tuple[str, dict]] = []  # type: ignore[type-arg]
    with transaction.atomic():
        for group in data:
            object_type, kinds, records = group["type"], group["kinds"], group["records"]
            model = model_of(object_type)
            for wave in sorted({r.get("wave", 0) for r in records}):
                objects = []
                for record in (r for r in records if r.get("wave", 0) == wave):
                    kwargs: dict = {}  # type: ignore[type-arg]
                    custom: dict = {}  # type: ignore[type-arg]
                    relations, ends = [], []
                    for name, value in record["fields"].items():
                        kind = kinds[name]
                        if kind == "tags":
                            continue
                        if kind == "custom":
                            custom[name.split(".", 1)[1]] = value["json"] if isinstance(value, dict) else value
                        elif kind == "late":
                            if value is not None:
                                late.append((object_type, {name: value, "__key": record["key"]}))
                        elif kind == "terminations":
                            ends.append(("A" if name.startswith("a_") else "B", value))
                        elif kind in ("refs", "set"):
                            relations.append((name, value))
                        elif kind == "generic":
                            kwargs[f"{name}_type"] = ct(value["ref"]) if value else None
                            kwargs[f"{name}_id"] = ref_id(value)
                        elif kind == "ref":
                            kwargs[f"{name}_id"] = ref_id(value)
                        elif kind == "json":
                            kwargs[name] = value["json"]
                        else:
                            kwargs[name] = value
                    if "custom" in kinds.values() or hasattr(model, "custom_field_data"):
                        kwargs["custom_field_data"] = custom
                    objects.append((record, model(**kwargs), relations, ends))
                _create(object_type, model, [obj for _, obj, _, _ in objects])
                for record, obj, relations, _ in objects:
                    ids[(object_type, tuple(record["key"]))] = obj.pk
                    for name, value in relations:
                        if name == "regions":
                            obj.regions.set([ref_id(ref) for ref in value])
                        else:
                            object_type_model = apps.get_model("core", "objecttype")
                            obj.object_types.set([object_type_model.objects.get_for_model(model_of(t))
                                                  for t in value])
                    if object_type == "extras.tag":
                        tags[record["fields"]["slug"]] = obj.pk
                _tag(object_type, [(record, obj) for record, obj, _, _ in objects], tags, ct)
                if object_type == "dcim.cable":
                    _terminations([(obj, ends) for _, obj, _, ends in objects], ct, ref_id)
            print(f"{time.monotonic() - began:6.1f}s {object_type}: {len(records)}", file=sys.stderr, flush=True)
        # Primary and out-of-band IPs, once every address exists.
        by_type: dict[str, list] = {}  # type: ignore[type-arg]
        for object_type, values in late:
            by_type.setdefault(object_type, []).append(values)
        for object_type, values in by_type.items():
            model = model_of(object_type)
            objects = []
            for entry in values:
                obj = model.objects.get(pk=ids[(object_type, tuple(entry["__key"]))])
                for name, value in entry.items():
                    if name != "__key":
                        setattr(obj, f"{name}_id", ref_id(value))
                objects.append(obj)
            merged: dict[int, object] = {}
            for obj in objects:
                if obj.pk in merged:
                    for name in LATE:
                        if getattr(obj, f"{name}_id", None) is not None:
                            setattr(merged[obj.pk], f"{name}_id", getattr(obj, f"{name}_id"))
                else:
                    merged[obj.pk] = obj
            fields = [name for name in LATE if hasattr(model, name)]
            model.objects.bulk_update(list(merged.values()), fields, batch_size=1000)
    print(f"{time.monotonic() - began:6.1f}s seeded {len(ids)} objects", file=sys.stderr, flush=True)


def _create(object_type, model, objects):  # type: ignore[no-untyped-def]
    if object_type in SAVE_ONE_BY_ONE:
        for obj in objects:
            obj.save()
        return
    if object_type == "dcim.interface":
        devices = {d.pk: d for d in apps.get_model("dcim", "device").objects.filter(
            pk__in={o.device_id for o in objects})}
        for obj in objects:
            device = devices[obj.device_id]
            obj._site_id, obj._location_id, obj._rack_id = device.site_id, device.location_id, device.rack_id
    if object_type in CACHE_SCOPE:
        for obj in objects:
            obj.cache_related_objects()
    model.objects.bulk_create(objects, batch_size=1000)


def _tag(object_type, pairs, tags, ct):  # type: ignore[no-untyped-def]
    if object_type in ("extras.tag", "extras.customfield", "extras.customfieldchoiceset", "extras.configcontext"):
        return
    tagged_item = apps.get_model("extras", "taggeditem")
    content_type = ct(object_type)
    rows = [tagged_item(tag_id=tags[slug], content_type=content_type, object_id=obj.pk)
            for record, obj in pairs for slug in record["fields"].get("tags", [])]
    tagged_item.objects.bulk_create(rows, batch_size=2000)


def _terminations(pairs, ct, ref_id):  # type: ignore[no-untyped-def]
    termination = apps.get_model("dcim", "cabletermination")
    rows = []
    for cable, ends in pairs:
        for end, refs in ends:
            for ref in refs:
                row = termination(cable=cable, cable_end=end, termination_type=ct(ref["ref"]),
                                  termination_id=ref_id(ref))
                row.cache_related_objects()
                rows.append(row)
    termination.objects.bulk_create(rows, batch_size=1000)


if __name__ == "__main__":
    main()
