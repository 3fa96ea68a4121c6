"""Classes of keywords: which JSON type each constrains, which the checker models, which only
mean something together."""

from __future__ import annotations

NUMERIC = frozenset({"integer", "number"})
COMBINATORS = ("allOf", "anyOf", "oneOf")

# Keywords whose constraint only bites on instances of one JSON type.
APPLIES_TO: dict[str, frozenset[str]] = {
    **dict.fromkeys(("minLength", "maxLength", "pattern", "format"), frozenset({"string"})),
    **dict.fromkeys(
        ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"), NUMERIC
    ),
    **dict.fromkeys(
        (
            "items",
            "additionalItems",
            "prefixItems",
            "unevaluatedItems",
            "minContains",
            "maxContains",
            "minItems",
            "maxItems",
            "uniqueItems",
        ),
        frozenset({"array"}),
    ),
    **dict.fromkeys(
        (
            "properties",
            "patternProperties",
            "additionalProperties",
            "unevaluatedProperties",
            "required",
            "minProperties",
            "maxProperties",
            "dependencies",
            "dependentRequired",
            "dependentSchemas",
            "propertyNames",
        ),
        frozenset({"object"}),
    ),
}
MODELLED = frozenset(APPLIES_TO) | {"type", "enum", "const", "not", *COMBINATORS}
# Assertions of later drafts that the checker does not model: compared conservatively.
UNSUPPORTED = frozenset(
    {
        "contains",
        "if",
        "then",
        "else",
        "$dynamicRef",
        "$recursiveRef",
    }
)
# Keywords that govern members no other keyword evaluated: what they mean depends on the
# keywords beside them (see unevaluated.py).
UNEVALUATED = frozenset({"unevaluatedProperties", "unevaluatedItems"})
# Keywords that only mean something together: kept or dropped as a unit. contains is with the
# array keywords because it marks the items it matches as evaluated.
KEYWORD_GROUPS = (
    frozenset({"properties", "patternProperties", "additionalProperties", "unevaluatedProperties"}),
    frozenset(
        {
            "items",
            "additionalItems",
            "prefixItems",
            "unevaluatedItems",
            "contains",
            "minContains",
            "maxContains",
        }
    ),
    frozenset({"minimum", "exclusiveMinimum"}),
    frozenset({"maximum", "exclusiveMaximum"}),
)


def is_constraint(key: str) -> bool:
    return key in MODELLED or key in UNSUPPORTED
