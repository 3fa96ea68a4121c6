"""The catalogue of change types and the `Change` record.

Every change type has a fixed classification:

* ``backward``: the change keeps every document valid under the OLD schema valid under the NEW
  one (new readers can read old data);
* ``forward``: the change keeps every document valid under the NEW schema valid under the OLD
  one (old readers can read new data).

Where the checker cannot prove a direction it picks a type that is breaking in that direction.
Several types are *summaries* whose real effect is carried by nested changes reported beside
them (e.g. ``PROPERTY_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL`` comes with the changes
found comparing the new property schema with the old ``additionalProperties`` schema).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ChangeType:
    name: str
    backward: bool
    forward: bool
    description: str


@dataclass(frozen=True)
class Change:
    type: str
    pointer: str
    message: str
    backward: bool
    forward: bool


CATALOGUE: dict[str, ChangeType] = {}

_TT, _TF, _FT, _FF = (True, True), (True, False), (False, True), (False, False)


def _add(name: str, flags: tuple[bool, bool], description: str) -> None:
    CATALOGUE[name] = ChangeType(name, flags[0], flags[1], description)


def make_change(type_name: str, pointer: str, message: str) -> Change:
    info = CATALOGUE[type_name]
    return Change(type_name, pointer, message, info.backward, info.forward)


# --- whole schemas, references -------------------------------------------------------------
_add("SCHEMA_CHANGED_TO_FALSE", _FT, "the schema now rejects every document (false)")
_add("SCHEMA_CHANGED_FROM_FALSE", _TF, "a schema that rejected every document now accepts some")
_add("UNRESOLVED_REF_CHANGED", _FF, "a $ref that cannot be resolved changed; not provable")

# --- type, enum, const ---------------------------------------------------------------------
_add("TYPE_EXTENDED", _TF, "the set of allowed JSON types grew (integer is part of number)")
_add("TYPE_NARROWED", _FT, "the set of allowed JSON types shrank, or a type was added")
_add("TYPE_CHANGED", _FF, "allowed JSON types changed: some added and some removed")
for _kw in ("ENUM", "CONST"):
    _add(f"{_kw}_ADDED", _FT, f"{_kw.lower()} added: only the listed values are allowed now")
    _add(f"{_kw}_REMOVED", _TF, f"{_kw.lower()} removed: any value is allowed again")
    _add(f"{_kw}_CHANGED", _FF, "allowed values changed: some added and some removed")
_add("ENUM_EXTENDED", _TF, "values were added to the enum")
_add("ENUM_NARROWED", _FT, "values were removed from the enum")

# --- numbers -------------------------------------------------------------------------------
for _kw in ("MINIMUM", "EXCLUSIVE_MINIMUM"):
    _add(f"{_kw}_ADDED", _FT, "a lower bound was added")
    _add(f"{_kw}_REMOVED", _TF, "a lower bound was removed")
    _add(f"{_kw}_INCREASED", _FT, "the lower bound was raised (or made exclusive)")
    _add(f"{_kw}_DECREASED", _TF, "the lower bound was lowered (or made inclusive)")
for _kw in ("MAXIMUM", "EXCLUSIVE_MAXIMUM"):
    _add(f"{_kw}_ADDED", _FT, "an upper bound was added")
    _add(f"{_kw}_REMOVED", _TF, "an upper bound was removed")
    _add(f"{_kw}_INCREASED", _TF, "the upper bound was raised (or made inclusive)")
    _add(f"{_kw}_DECREASED", _FT, "the upper bound was lowered (or made exclusive)")
_add("MULTIPLE_OF_ADDED", _FT, "multipleOf added")
_add("MULTIPLE_OF_REMOVED", _TF, "multipleOf removed")
_add("MULTIPLE_OF_REDUCED", _TF, "the new multipleOf divides the old one: more values allowed")
_add("MULTIPLE_OF_EXPANDED", _FT, "the new multipleOf is a multiple of the old one")
_add("MULTIPLE_OF_CHANGED", _FF, "multipleOf changed to an unrelated value")

# --- lengths and counts (strings, arrays, objects, items contains matches) ------------------
for _kw in ("MIN_LENGTH", "MIN_ITEMS", "MIN_PROPERTIES", "MIN_CONTAINS"):
    _add(f"{_kw}_ADDED", _FT, "a minimum size was added")
    _add(f"{_kw}_REMOVED", _TF, "a minimum size was removed")
    _add(f"{_kw}_INCREASED", _FT, "the minimum size was raised")
    _add(f"{_kw}_DECREASED", _TF, "the minimum size was lowered")
for _kw in ("MAX_LENGTH", "MAX_ITEMS", "MAX_PROPERTIES", "MAX_CONTAINS"):
    _add(f"{_kw}_ADDED", _FT, "a maximum size was added")
    _add(f"{_kw}_REMOVED", _TF, "a maximum size was removed")
    _add(f"{_kw}_INCREASED", _TF, "the maximum size was raised")
    _add(f"{_kw}_DECREASED", _FT, "the maximum size was lowered")

# --- strings -------------------------------------------------------------------------------
for _kw in ("PATTERN", "FORMAT"):
    _add(f"{_kw}_ADDED", _FT, f"{_kw.lower()} added")
    _add(f"{_kw}_REMOVED", _TF, f"{_kw.lower()} removed")
    _add(f"{_kw}_CHANGED", _FF, f"{_kw.lower()} changed; the languages cannot be compared")

# --- arrays --------------------------------------------------------------------------------
_add("UNIQUE_ITEMS_ADDED", _FT, "uniqueItems turned on")
_add("UNIQUE_ITEMS_REMOVED", _TF, "uniqueItems turned off")

# --- single-schema slots: items (schema form), additionalItems, additionalProperties, and -----
# unevaluatedItems/unevaluatedProperties where they are the content model's rest
for _kw in (
    "ITEMS",
    "ADDITIONAL_ITEMS",
    "ADDITIONAL_PROPERTIES",
    "UNEVALUATED_ITEMS",
    "UNEVALUATED_PROPERTIES",
):
    _add(f"{_kw}_NARROWED", _FT, "an unconstrained slot now has a schema")
    _add(f"{_kw}_EXTENDED", _TF, "a slot's schema was dropped: anything is allowed there")
    _add(f"{_kw}_FORBIDDEN", _FT, "the slot is now false: nothing is allowed there")
    _add(f"{_kw}_ALLOWED", _TF, "the slot was false and now allows values")

# --- members of a content model: properties, tuple items, patternProperties ----------------
for _kw in ("PROPERTY", "ITEM", "PATTERN_PROPERTY"):
    _add(f"{_kw}_ADDED_TO_OPEN_CONTENT_MODEL", _FT, "old documents may hold any value there")
    _add(f"{_kw}_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL", _TT, "added, accepts anything")
    _add(f"{_kw}_ADDED_TO_CLOSED_CONTENT_MODEL", _TF, "old documents cannot hold it")
    _add(f"{_kw}_WITH_FALSE_ADDED_TO_CLOSED_CONTENT_MODEL", _TT, "added as false to closed model")
    _add(f"{_kw}_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL", _TT, "see nested changes")
    _add(f"{_kw}_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL", _FT, "see nested changes")
    _add(f"{_kw}_REMOVED_FROM_OPEN_CONTENT_MODEL", _TF, "new documents may hold any value there")
    _add(f"{_kw}_WITH_EMPTY_SCHEMA_REMOVED_FROM_OPEN_CONTENT_MODEL", _TT, "it accepted anything")
    _add(f"{_kw}_REMOVED_FROM_CLOSED_CONTENT_MODEL", _FT, "old documents holding it are rejected")
    _add(f"{_kw}_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL", _TT, "it was false already")
    _add(f"{_kw}_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL", _TT, "see nested changes")
    _add(f"{_kw}_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL", _FT, "see nested changes")
_add("PATTERN_PROPERTY_ADDED_MAY_OVERLAP", _FT, "may overlap other patterns; not provable")
_add("PATTERN_PROPERTY_REMOVED_MAY_OVERLAP", _TF, "may overlap other patterns; not provable")
for _kw in ("PROPERTIES", "ITEMS"):
    _add(
        f"UNEVALUATED_{_kw}_UNDECIDED",
        _FF,
        "beside in-place applicators, what decides which members it governs changed; not provable",
    )

# --- objects -------------------------------------------------------------------------------
_add("REQUIRED_PROPERTY_ADDED", _FT, "a property became required")
_add("REQUIRED_PROPERTY_REMOVED", _TF, "a property is no longer required")
_add("DEPENDENCY_ARRAY_ADDED", _FT, "a property dependency was added")
_add("DEPENDENCY_ARRAY_REMOVED", _TF, "a property dependency was removed")
_add("DEPENDENCY_ARRAY_EXTENDED", _FT, "a property dependency requires more properties")
_add("DEPENDENCY_ARRAY_NARROWED", _TF, "a property dependency requires fewer properties")
_add("DEPENDENCY_ARRAY_CHANGED", _FF, "a property dependency changed its required properties")
_add("DEPENDENCY_SCHEMA_ADDED", _FT, "a schema dependency was added")
_add("DEPENDENCY_SCHEMA_REMOVED", _TF, "a schema dependency was removed")

# --- combinators and not -------------------------------------------------------------------
_add("SUM_TYPE_EXTENDED", _TF, "anyOf/oneOf accepts more: subschemas added or widened")
_add("SUM_TYPE_NARROWED", _FT, "anyOf/oneOf accepts less (or oneOf subschemas may overlap)")
_add("PRODUCT_TYPE_EXTENDED", _FT, "allOf has more (or stricter) subschemas")
_add("PRODUCT_TYPE_NARROWED", _TF, "allOf has fewer (or looser) subschemas")
_add("COMBINED_TYPE_EXTENDED", _TF, "the combinator changed and accepts more documents")
_add("COMBINED_TYPE_NARROWED", _FT, "the combinator changed and accepts fewer documents")
_add("COMBINED_TYPE_CHANGED", _FF, "the combinator changed incompatibly")
_add("COMBINED_TYPE_SUBSCHEMAS_CHANGED", _FF, "subschemas changed incompatibly both ways")
_add("COMBINED_TYPE_EQUIVALENT", _TT, "the combinator was rewritten; same documents accepted")
_add("NOT_ADDED", _FT, "a not schema was added")
_add("NOT_REMOVED", _TF, "a not schema was removed")
_add("NOT_SCHEMA_NARROWED", _TF, "the not schema matches less, so more documents pass")
_add("NOT_SCHEMA_EXTENDED", _FT, "the not schema matches more, so fewer documents pass")
_add("NOT_SCHEMA_CHANGED", _FF, "the not schema changed; not provable either way")

# --- keywords this checker does not analyse (draft 6+ assertions) --------------------------
_add("UNSUPPORTED_KEYWORD_ADDED", _FT, "an assertion keyword the checker does not model was added")
_add("UNSUPPORTED_KEYWORD_REMOVED", _TF, "an assertion keyword the checker does not model went")
_add("UNSUPPORTED_KEYWORD_CHANGED", _FF, "an assertion keyword the checker does not model changed")
