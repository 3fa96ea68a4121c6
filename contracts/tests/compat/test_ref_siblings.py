"""Keywords beside $ref, and what contains evaluates, read as the schema's dialect ($schema) says:
each case holds a document that contradicts the verdict the checker gave when it read every
schema as draft 4 reads $ref and as 2020-12 reads contains, judged by a validator of the
dialect (both ways where validators of it differ: 2019-09, or no $schema)."""

from __future__ import annotations

from typing import Any

import pytest
from ordermesh_contracts.compat import diff

from .cases import I, S
from .conftest import readings
from .dialect_cases import BASE_A, DRAFT_2019, OBJECT, beside_ref


def _verdict(old: Any, new: Any) -> tuple[bool, bool]:
    changes = diff(old, new)
    return all(c.backward for c in changes), all(c.forward for c in changes)


def _assert_not_called_compatible(old: Any, new: Any, witness: Any) -> None:
    """The witness shows a direction broken, in one of the ways a validator may read the pair,
    and the checker does not call that direction compatible."""
    backward, forward = _verdict(old, new)
    contradicted = False
    for valid_old, valid_new in readings(old, new):
        in_old, in_new = valid_old(witness), valid_new(witness)
        assert not (in_old and not in_new and backward), diff(old, new)
        assert not (in_new and not in_old and forward), diff(old, new)
        contradicted = contradicted or in_old != in_new
    assert contradicted, "the witness must contradict a direction"


WITNESSES = [
    pytest.param(
        beside_ref(OBJECT, properties={"n": I}),
        beside_ref(OBJECT, properties={"n": S}),
        {"n": 1},
        id="property beside $ref changed type",
    ),
    pytest.param(
        beside_ref(OBJECT, required=["n"]),
        beside_ref(OBJECT),
        {},
        id="required beside $ref removed",
    ),
    pytest.param(
        beside_ref(BASE_A, unevaluatedProperties=False),
        beside_ref(BASE_A, properties={"b": S}, unevaluatedProperties=False),
        {"a": "x", "b": "y"},
        id="property added beside $ref under unevaluatedProperties false",
    ),
    pytest.param(
        beside_ref(BASE_A, unevaluatedProperties=False),
        beside_ref({"properties": {"a": S, "c": S}}, unevaluatedProperties=False),
        {"a": "x", "c": "y"},
        id="property added behind $ref under unevaluatedProperties false",
    ),
    pytest.param(
        beside_ref(OBJECT, None, properties={"n": I}),
        beside_ref(OBJECT, None, properties={"n": S}),
        {"n": 1},
        id="property beside $ref changed type, no $schema",
    ),
    pytest.param(
        {"$schema": DRAFT_2019, "items": [S], "contains": S, "unevaluatedItems": False},
        {"$schema": DRAFT_2019, "items": [S], "contains": S, "unevaluatedItems": S},
        ["a", "b"],
        id="2019-09 unevaluatedItems beside contains loosened",
    ),
    pytest.param(
        {"$schema": DRAFT_2019, "items": [S], "contains": I, "unevaluatedItems": False},
        {"$schema": DRAFT_2019, "items": [S, I], "contains": I, "unevaluatedItems": False},
        ["a", 1],
        id="2019-09 tuple member added where contains matched",
    ),
]


@pytest.mark.parametrize(("old", "new", "witness"), WITNESSES)
def test_witness_contradicts_no_verdict(old: Any, new: Any, witness: Any) -> None:
    _assert_not_called_compatible(old, new, witness)
