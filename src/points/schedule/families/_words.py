"""The families' parameters in words (for `help()` and docs/families.md) and the format's
JSON Schema with factors written by family."""

from __future__ import annotations

import inspect
from decimal import Decimal
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, TypeAdapter
from pydantic.fields import FieldInfo

from ..model import Schedule
from ._base import COMMON_KEYS, AgeStep, Each, Family, Merit, Rate, RatioBand, Share, TaxPart
from ._records import FAMILIES, Penalties, family_name

# --- JSON Schema ---------------------------------------------------------------------------


def schedule_json_schema() -> dict[str, Any]:
    """The JSON Schema of the schedule format, a factor or deduction by family included."""
    data = Schedule.model_json_schema(by_alias=True)
    factor_families = [c for c in FAMILIES.values() if c.SECTION == "factors"]
    adapter: TypeAdapter[Any] = TypeAdapter(
        Union[tuple(FAMILIES.values())])  # type: ignore[arg-type]  # noqa: UP007
    fam = adapter.json_schema(by_alias=True, ref_template="#/$defs/{model}")
    data["$defs"].update(fam.get("$defs", {}))
    for section, classes in (("factors", factor_families), ("deductions", [Penalties])):
        prop = data["properties"][section]
        for pattern in prop.get("patternProperties", {}).values():
            pattern["oneOf"] = [*pattern["oneOf"],
                                *({"$ref": f"#/$defs/{c.__name__}"} for c in classes)]
    return data


# --- parameters in words (for help() and docs/families.md) ---------------------------------


def _indent(text: str, pad: str) -> str:
    return "\n".join(pad + line if line else line for line in text.splitlines())


def _type_text(tp: Any) -> str:
    origin, args = get_origin(tp), get_args(tp)
    if origin is Annotated:
        return _type_text(args[0])
    if origin is Literal:
        return " | ".join(f'"{a}"' for a in args)
    if origin is list:
        return f"list of {_type_text(args[0])}"
    if origin is dict:
        return f"table of {_type_text(args[0])} → {_type_text(args[1])}"
    if args and type(None) in args:
        return _type_text(Union[tuple(a for a in args if a is not type(None))])  # noqa: UP007
    names = {Decimal: "number", int: "integer", bool: "true/false", str: "string",
             type(None): "none"}
    if tp in names:
        return names[tp]
    return getattr(tp, "__name__", str(tp))


def _bounds(field: FieldInfo) -> str:
    found: dict[str, Any] = {}
    metas = list(field.metadata)
    for a in get_args(field.annotation):
        for m in get_args(a)[1:] if get_origin(a) is Annotated else ():
            metas.extend(getattr(m, "metadata", [m]))
    for m in metas:
        for op in ("ge", "gt", "le", "lt"):
            if getattr(m, op, None) is not None:
                found[op] = getattr(m, op)
    signs = {"ge": "≥", "gt": ">", "le": "≤", "lt": "<"}
    return ", ".join(f"{signs[op]} {v}" for op, v in found.items())


def _default(field: FieldInfo) -> str:
    if field.is_required():
        return "required"
    value = field.get_default(call_default_factory=True)
    if value is None:
        return "optional"
    if isinstance(value, str):
        return f'default "{value}"'
    if isinstance(value, bool):
        return f"default {str(value).lower()}"
    if isinstance(value, list):
        return "default [" + ", ".join(f'"{v}"' for v in value) + "]" if value else \
            "default []"
    return f"default {value}"


def parameter_rows(cls: type[BaseModel]) -> list[tuple[str, str, str, str]]:
    """(name, type and bounds, required or default, description) for each parameter."""
    rows = []
    order = sorted(cls.model_fields, key=lambda n: (n != "fact", n == "group"))
    for name in order:
        field = cls.model_fields[name]
        if name == "family" or (name in COMMON_KEYS and name != "group") or \
                (name == "group" and cls is Penalties):
            continue
        kind = _type_text(field.annotation)
        bounds = _bounds(field)
        rows.append((field.alias or name, kind + (f" ({bounds})" if bounds else ""),
                     _default(field), field.description or ""))
    return rows


def parameters_text(cls: type[BaseModel]) -> str:
    """The parameters of a family or parameter table as plain text (in its docstring)."""
    head = "Parameters"
    if issubclass(cls, Family):
        head += f' (family = "{family_name(cls)}"; also label, ref, status, note)'
    lines = [head, ""]
    for name, kind, default, text in parameter_rows(cls):
        lines += [f"{name}: {kind}, {default}", f"    {text}"]
    return "\n".join(lines)


_documented: tuple[type[BaseModel], ...] = (*FAMILIES.values(), Rate, Share, Each, Merit,
                                            TaxPart, RatioBand, AgeStep)
for _cls in _documented:
    _example = getattr(_cls, "EXAMPLE", "").strip()
    _cls.__doc__ = inspect.cleandoc(_cls.__doc__ or "") + "\n\n" + parameters_text(_cls) + (
        "\n\nExample::\n\n" + _indent(_example, "    ") if _example else "") + "\n"
