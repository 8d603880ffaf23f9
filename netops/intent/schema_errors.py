"""Turn pydantic's errors on intent files into Problems with file:line, path, expected, found, hint."""

import difflib
import re
import types
import typing
from typing import Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from citynet_models.problems import Problem, item
from citynet_models.variables import RULE_ERROR
from netops.intent.yamlsource import DataPath, SourceDocument

#: Keys whose value names a list item in paths, in order of preference.
_LABEL_KEYS = ("slug", "name", "id", "code", "role", "to")


def problems_from_validation_error(
    error: ValidationError, document: SourceDocument, root: type[BaseModel]
) -> list[Problem]:
    """One Problem per pydantic error, located in the document."""
    return [_problem(details, document, root) for details in error.errors(include_url=False)]


def _problem(details: ErrorDetails, document: SourceDocument, root: type[BaseModel]) -> Problem:
    data_path, model_path, owner, annotation = _walk(details["loc"], document, root)
    location = document.location(data_path)
    kind = details["type"]
    found_value = details.get("input")
    found = _show(found_value)
    hint: str | None = None
    if kind == "missing":
        key = str(details["loc"][-1])
        return Problem(
            path=model_path,
            message=f"missing required key '{key}'",
            expected=f"a value for '{key}'",
            found="nothing",
            hint=f"add `{key}:` here",
            location=location,
        )
    if kind == "extra_forbidden":
        key = str(details["loc"][-1])
        allowed = sorted(owner.model_fields) if owner else []
        close = difflib.get_close_matches(key, allowed, n=1) or difflib.get_close_matches(
            key.lower().replace("-", "_").replace(" ", "_"), allowed, n=1)
        return Problem(
            path=model_path,
            message=f"unknown key '{key}'",
            expected="one of: " + ", ".join(allowed) if allowed else "no such key",
            found=repr(key),
            hint=f"did you mean '{close[0]}'?" if close else "remove it, or check the intent format in the README",
            location=location,
        )
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        ctx = details.get("ctx", {})
        # pydantic lists the allowed tags only for a wrong tag; a missing one is looked up in the model.
        tags = _kinds_of(annotation) or re.findall(r"'([^']*)'", str(ctx.get("expected_tags", "")))
        written = ctx.get("tag") if kind == "union_tag_invalid" else None
        close = difflib.get_close_matches(str(written), tags, n=1) if written is not None else []
        if close:
            hint = f"did you mean {close[0]!r}?"
        elif written is None:
            hint = "add `kind:` with one of the values listed"
        elif "sites" in model_path:
            hint = "sites of this file may only be of the kinds listed"
        else:
            hint = "use one of the kinds listed"
        return Problem(
            path=model_path,
            message="unknown kind" if kind == "union_tag_invalid" else "missing 'kind'",
            expected=f"kind one of: {', '.join(tags)}",
            found=_show(written) if kind == "union_tag_invalid" else "no kind",
            hint=hint,
            location=location,
        )
    if kind == RULE_ERROR:
        ctx = details.get("ctx", {})
        return Problem(path=model_path, message=str(ctx["message"]), expected=str(ctx["expected"]),
                       found=str(ctx["found"]), hint=str(ctx["hint"]), location=location)
    message = details["msg"]
    if kind == "value_error":
        # A model rule's message already says what was expected and found.
        return Problem(path=model_path, message=message.removeprefix("Value error, "), location=location)
    if kind == "string_type" and isinstance(found_value, int | float) and not isinstance(found_value, bool):
        hint = "quote it: YAML reads 001 as the number 1, write \"001\""
    elif kind == "invalid-json-value":
        hint = "variables hold strings, numbers, booleans, lists and mappings; quote dates and times: \"2024-05-01\""
    elif kind in ("enum", "literal_error"):
        allowed = re.findall(r"'([^']*)'", str(details.get("ctx", {}).get("expected", "")))
        close = difflib.get_close_matches(str(found_value), allowed, n=1) if isinstance(found_value, str) else []
        hint = f"did you mean {close[0]!r}?" if close else "use one of the values listed"
    elif kind == "string_pattern_mismatch":
        hint = _pattern_hint(str(details.get("ctx", {}).get("pattern", "")))
    elif kind.startswith(("date_", "datetime_")):
        hint = "write the date as YYYY-MM-DD, e.g. 2027-03-31"
    expected = message.removeprefix("Input should be ").removeprefix("input should be ")
    if kind == "invalid-json-value":
        expected = "a JSON value (string, number, boolean, list or mapping)"
    if kind == "string_pattern_mismatch":
        expected = f"a string matching {details.get('ctx', {}).get('pattern', '')}"
    return Problem(
        path=model_path,
        message="invalid value",
        expected=expected,
        found=found,
        hint=hint,
        location=location,
    )


def _pattern_hint(pattern: str) -> str | None:
    if pattern == r"^\d{3}$":
        return "district codes have three digits, quoted: \"001\""
    if pattern == r"^\d{5}$":
        return "ward codes have five digits, quoted: \"00001\""
    if pattern == r"^\d{2}$":
        return "city codes have two digits, quoted: \"01\""
    if pattern == r"^[a-z_][a-z0-9_]*$":
        return "variable names use lower-case ASCII letters, digits and underscores, e.g. maintenance_window"
    if "a-z0-9" in pattern:
        return "use lower-case ASCII letters, digits and hyphens"
    return None


def _show(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping with keys " + ", ".join(map(str, value)) if value else "an empty mapping"
    if isinstance(value, list):
        return f"a list of {len(value)} item(s)"
    if value is None:
        return "nothing (null)"
    return repr(value)


def _kinds_of(annotation: Any) -> list[str]:
    """The values of ``kind`` that pick a member of a discriminated union, in declaration order."""
    tags: list[str] = []
    for member in _unwrap(annotation):
        if isinstance(member, type) and issubclass(member, BaseModel) and "kind" in member.model_fields:
            kind_annotation = member.model_fields["kind"].annotation
            if get_origin(kind_annotation) is Literal:
                tags.extend(str(tag) for tag in get_args(kind_annotation) if str(tag) not in tags)
    return tags if len(_unwrap(annotation)) > 1 else []


def _walk(
    loc: tuple[int | str, ...], document: SourceDocument, root: type[BaseModel]
) -> tuple[DataPath, tuple[str, ...], type[BaseModel] | None, Any]:
    """Follow pydantic's loc through the data and the model classes.

    pydantic puts the discriminator tag of a union into loc (``sites, 3, ward_committee, ward``);
    such segments are not in the YAML, so they are skipped, and used only to pick the union
    member whose fields we then follow.
    """
    data_path: list[str | int] = []
    model_path: list[str] = []
    node: Any = document.data
    annotation: Any = root
    owner: type[BaseModel] | None = root
    for segment in loc:
        model = _model_of(annotation, node)
        if isinstance(node, dict) and isinstance(segment, str) and segment in node:
            data_path.append(segment)
            model_path.append(segment)
            owner = model
            annotation = model.model_fields[segment].annotation if model and segment in model.model_fields else None
            node = node[segment]
        elif isinstance(node, list) and isinstance(segment, int) and 0 <= segment < len(node):
            data_path.append(segment)
            element = node[segment]
            model_path.append(item(_label(element, segment)))
            annotation = _item_type(annotation)
            node = element
        elif isinstance(segment, str) and model is not None and segment in model.model_fields:
            # A missing or extra key: the segment names the key, which is not in the data.
            owner = model
            model_path.append(segment)
        elif isinstance(segment, str) and not segment.startswith("function-"):
            # Discriminator tag, or a key pydantic reports that the data does not have.
            annotation = _union_member(annotation, segment) or annotation
            if isinstance(node, dict) and node.get("kind") != segment and model is not None:
                model_path.append(segment)
    final_model = _model_of(annotation, node)
    if loc and loc[-1] not in (owner.model_fields if owner else {}) and final_model is not None:
        owner = final_model
    return tuple(data_path), tuple(model_path), owner, annotation


def _label(element: Any, index: int) -> str:
    if isinstance(element, dict):
        for key in _LABEL_KEYS:
            value = element.get(key)
            if isinstance(value, str | int) and not isinstance(value, bool):
                return str(value)
    return str(index)


def _unwrap(annotation: Any) -> list[Any]:
    origin = get_origin(annotation)
    if origin is typing.Annotated:
        return _unwrap(get_args(annotation)[0])
    if origin in (Union, types.UnionType):
        members: list[Any] = []
        for arg in get_args(annotation):
            members.extend(_unwrap(arg))
        return members
    return [annotation]


def _item_type(annotation: Any) -> Any:
    for member in _unwrap(annotation):
        if get_origin(member) in (list, tuple) and get_args(member):
            return get_args(member)[0]
    return None


def _union_member(annotation: Any, tag: str) -> Any:
    for member in _unwrap(annotation):
        if isinstance(member, type) and issubclass(member, BaseModel) and "kind" in member.model_fields:
            kind_annotation = member.model_fields["kind"].annotation
            if get_origin(kind_annotation) is Literal and tag in get_args(kind_annotation):
                return member
    return None


def _model_of(annotation: Any, node: Any) -> type[BaseModel] | None:
    models = [m for m in _unwrap(annotation) if isinstance(m, type) and issubclass(m, BaseModel)]
    if len(models) > 1 and isinstance(node, dict):
        chosen = _union_member(annotation, str(node.get("kind")))
        if chosen is not None:
            return typing.cast(type[BaseModel], chosen)
    return models[0] if models else None
