"""The policy file's JSON Schema, derived from the attrs model (one source of truth).

``execgate policy schema`` prints it; editors and CI linters can validate policy files with it.
Keys the loader does not accept are refused by the schema too (``additionalProperties: false``).
"""

from __future__ import annotations

import types
import typing
from collections.abc import Mapping
from typing import Any, Literal, Union, get_args, get_origin

import attrs

from .._units import SIZE_PATTERN
from ._model import Policy


def _internal(field: attrs.Attribute[Any]) -> bool:
    return bool(field.metadata.get("internal"))


def _type_schema(tp: Any) -> dict[str, Any]:
    origin, args = get_origin(tp), get_args(tp)
    if origin in (Union, types.UnionType):
        options = [a for a in args if a is not type(None)]
        schema = (
            _type_schema(options[0])
            if len(options) == 1
            else {"anyOf": [_type_schema(a) for a in options]}
        )
        return schema  # TOML has no null: an optional key is simply left out
    if origin is Literal:
        return {"enum": list(args)}
    if origin is tuple:
        return {"type": "array", "items": _type_schema(args[0])}
    if origin in (Mapping, dict, typing.Mapping) or tp is dict:
        return {"type": "object", "additionalProperties": _type_schema(args[1]) if args else {}}
    if attrs.has(tp):
        return _class_schema(tp)
    if tp is bool:
        return {"type": "boolean"}
    if tp is int:
        return {"type": "integer"}
    if tp is float:
        return {"type": "number"}
    if tp is str:
        return {"type": "string"}
    raise TypeError(f"no schema for {tp!r}")


def _class_schema(cls: type) -> dict[str, Any]:
    hints = typing.get_type_hints(cls)
    props = {}
    for field in attrs.fields(cls):
        if _internal(field):
            continue
        schema = _type_schema(hints[field.name])
        if field.name.endswith("_bytes") and schema.get("type") == "integer":
            # sizes may be written 64K, 10M, 2G (see execgate/_units.py)
            schema = {"type": ["integer", "string"], "pattern": SIZE_PATTERN}
        if field.default is not attrs.NOTHING and not attrs.has(type(field.default)):
            default = field.default
            if isinstance(default, attrs.Factory):  # type: ignore[arg-type]
                default = default.factory()
            if isinstance(default, tuple):
                default = list(default)
            if default is not None:
                schema["default"] = default
        props[field.name] = schema
    required = [
        f.name for f in attrs.fields(cls) if f.default is attrs.NOTHING and not _internal(f)
    ]
    out: dict[str, Any] = {"type": "object", "properties": props, "additionalProperties": False}
    if required:
        out["required"] = required
    if cls.__doc__:
        out["description"] = " ".join(cls.__doc__.split())
    return out


def policy_schema() -> dict[str, Any]:
    schema = _class_schema(Policy)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "execgate policy"
    return schema
