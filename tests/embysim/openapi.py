"""Validate answers against Emby's OpenAPI 3.0 spec, strictly.

OAS 3.0 schemas are not JSON Schema: `nullable: true` means "or null", `$ref` siblings are
ignored, and formats like int32 are OAS's own. The converter below turns the component schemas
into JSON Schema 2020-12 with exactly those meanings, and (strict mode) forbids properties the
spec does not name, so a misspelt field fails instead of passing unnoticed.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
import ipaddress
import json
import os
from pathlib import Path
import re
from typing import Any
import uuid

import jsonschema
from jsonschema import Draft202012Validator, FormatChecker

SPEC_PATH = Path(os.environ.get("EMBY_OPENAPI", "/work/shared/emby-openapi/openapi_v3.json"))
_DROPPED = frozenset({"nullable", "description", "deprecated", "example", "xml", "externalDocs"})
_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,7})?(Z|[+-]\d{2}:\d{2})$")
_TIME = re.compile(r"^\d{2}:\d{2}:\d{2}(\.\d{1,7})?$")
_INT32 = (-(2**31), 2**31 - 1)
_INT64 = (-(2**63), 2**63 - 1)

format_checker = FormatChecker(formats=())


@format_checker.checks("date-time", raises=ValueError)
def _is_date_time(value: object) -> bool:
    """Accept RFC 3339 date-times, with up to 7 fraction digits as .NET writes them."""
    if not isinstance(value, str):
        return True
    if _DATE_TIME.match(value) is None:
        return False
    datetime.fromisoformat(value)  # also rejects impossible dates like month 13
    return True


@format_checker.checks("time")
def _is_time(value: object) -> bool:
    """Accept hh:mm:ss[.fffffff]."""
    return not isinstance(value, str) or _TIME.match(value) is not None


@format_checker.checks("int32")
def _is_int32(value: object) -> bool:
    """Accept integers in the signed 32-bit range."""
    return not isinstance(value, int) or _INT32[0] <= value <= _INT32[1]


@format_checker.checks("int64")
def _is_int64(value: object) -> bool:
    """Accept integers in the signed 64-bit range."""
    return not isinstance(value, int) or _INT64[0] <= value <= _INT64[1]


@format_checker.checks("ipv4", raises=ValueError)
def _is_ipv4(value: object) -> bool:
    """Accept dotted IPv4 addresses."""
    if isinstance(value, str):
        ipaddress.IPv4Address(value)
    return True


@format_checker.checks("guid", raises=ValueError)
def _is_guid(value: object) -> bool:
    """Accept GUIDs, with or without dashes."""
    if isinstance(value, str):
        uuid.UUID(value)
    return True


@format_checker.checks("double")
@format_checker.checks("float")
def _is_number(_value: object) -> bool:
    """Accept any number (the type keyword already checks it is one)."""
    return True


def convert(node: Any, *, strict: bool) -> Any:
    """Convert one OAS 3.0 schema node to JSON Schema 2020-12."""
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        return {"$ref": node["$ref"]}  # OAS 3.0 ignores everything beside a $ref
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key.startswith("x-") or key in _DROPPED:
            continue
        if key == "properties":
            out[key] = {name: convert(schema, strict=strict) for name, schema in value.items()}
        elif key in ("items", "additionalProperties", "not") and isinstance(value, dict):
            out[key] = convert(value, strict=strict)
        elif key in ("allOf", "anyOf", "oneOf"):
            out[key] = [convert(schema, strict=strict) for schema in value]
        else:
            out[key] = value
    if node.get("nullable") is True:
        if "type" in out:
            out["type"] = [out["type"], "null"]
        if "enum" in out:
            out["enum"] = [*out["enum"], None]
    if strict and "properties" in out and "additionalProperties" not in out:
        out["additionalProperties"] = False
    return out


@cache
def spec() -> dict[str, Any]:
    """Load the spec once."""
    return json.loads(SPEC_PATH.read_text(encoding="utf-8"))


@cache
def _components(*, strict: bool) -> dict[str, Any]:
    """Return every component schema, converted."""
    schemas = spec()["components"]["schemas"]
    return {name: convert(schema, strict=strict) for name, schema in schemas.items()}


def response_schema(method: str, path: str, status: str = "200") -> dict[str, Any]:
    """Return the OAS schema of an operation's JSON answer."""
    operation = spec()["paths"][path][method.lower()]
    return operation["responses"][status]["content"]["application/json"]["schema"]


def validator(schema: dict[str, Any], *, strict: bool = True) -> Draft202012Validator:
    """Return a validator for an OAS schema, with its $refs resolvable."""
    root = {
        **convert(schema, strict=strict),
        "components": {"schemas": _components(strict=strict)},
    }
    return Draft202012Validator(root, format_checker=format_checker)


def validate_response(method: str, path: str, data: Any, *, strict: bool = True) -> None:
    """Raise jsonschema.ValidationError unless data matches the spec's answer for the call."""
    validator(response_schema(method, path), strict=strict).validate(data)


def validate_component(name: str, data: Any, *, strict: bool = True) -> None:
    """Raise jsonschema.ValidationError unless data matches a component schema."""
    validator({"$ref": f"#/components/schemas/{name}"}, strict=strict).validate(data)


ValidationError = jsonschema.ValidationError
