"""JSON Schema of the scenario format, for editors (YAML language servers).

Every value may also be written annotated, `{value: ..., note: "...", range: [low, high]}`, so each
leaf schema is widened to accept that form.
"""
from __future__ import annotations

from typing import Any

from rackline.scenario.model import Scenario


def _annotated(leaf: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [leaf, {"type": "object", "properties": {"value": leaf, "note": {"type": "string"},
                                                            "range": {"type": "array", "minItems": 2, "maxItems": 2}},
                             "required": ["value"], "additionalProperties": False}]}


def _scalar_dist() -> dict[str, Any]:
    """A fixed value written plainly: a duration ('2 h') or a count (3)."""
    from rackline.units import DURATION_PATTERN
    return _annotated({"anyOf": [{"type": "string", "pattern": DURATION_PATTERN}, {"type": "number"}]})


def _widen(node: Any) -> Any:
    if isinstance(node, dict):
        out = {k: _widen(v) for k, v in node.items()}
        if (out.get("discriminator") or {}).get("propertyName") == "dist":
            out.pop("discriminator")
            union = {"oneOf": out.pop("oneOf")}
            return {**out, "anyOf": [_scalar_dist(), _annotated(union)]}
        if out.get("type") in ("number", "integer", "string", "boolean") or "enum" in out or "const" in out:
            return _annotated(out)
        if "properties" in out and isinstance(out["properties"], dict):
            out["properties"] = {k: v for k, v in out["properties"].items()}
        return out
    if isinstance(node, list):
        return [_widen(v) for v in node]
    return node


def _partial(node: Any) -> Any:
    """The same schema with nothing required and refs into the partial definitions."""
    if isinstance(node, dict):
        return {k: ("#/$defs/Partial_" + v.rsplit("/", 1)[1] if k == "$ref" else _partial(v))
                for k, v in node.items() if k != "required"}
    if isinstance(node, list):
        return [_partial(v) for v in node]
    return node


def scenario_json_schema() -> dict[str, Any]:
    """Full files must have every required key; a file with `extends:` gives only changes."""
    schema = Scenario.model_json_schema(by_alias=True)
    defs = {k: _widen_model(v) for k, v in schema.pop("$defs", {}).items()}
    full = _widen_model(schema)
    full["properties"]["extends"] = {"type": "string", "description": "base scenario file this one changes"}
    partial = _partial(full)
    defs.update({f"Partial_{k}": _partial(v) for k, v in defs.items()})
    defs["FullScenario"], defs["PartialScenario"] = full, partial
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "title": "rackline scenario",
            "description": full.get("description", ""), "if": {"required": ["extends"]},
            "then": {"$ref": "#/$defs/PartialScenario"}, "else": {"$ref": "#/$defs/FullScenario"}, "$defs": defs}


def _widen_model(model: dict[str, Any]) -> dict[str, Any]:
    out = dict(model)
    if "properties" in out:
        out["properties"] = {k: _widen(v) for k, v in out["properties"].items()}
    if "additionalProperties" in out and isinstance(out["additionalProperties"], dict):
        out["additionalProperties"] = _widen(out["additionalProperties"])
    return out
