"""Which draft a schema document is read as, where the drafts disagree on what a schema means.

The checker reads the keywords of every draft it knows the same way, except where drafts (or
their validators) disagree on the meaning of a keyword, the `Question`s:

* beside ``$ref``: draft 4 to 7 ignore the other keywords; 2019-09 and later apply them, the
  reference being one more in-place applicator (`Question.REF_IN_PLACE`);
* ``contains``: in 2020-12 the items it matches are evaluated, so ``unevaluatedItems`` does not
  see them. The 2019-09 text says they are not evaluated, and some of its validators follow it
  while others (the `jsonschema` and `jsonschema-rs` packages among them) read it as 2020-12
  does (`Question.CONTAINS_EVALUATES`).

A document's dialect is the one its ``$schema`` names; a document loaded through a ``$ref``
without one is read in the dialect of the document that referenced it. Where the dialect leaves
a question open (no ``$schema``, one the checker does not know, or 2019-09 for ``contains``), a
validator could answer it either way, so `diff` compares once for each way of answering the
open questions it met, and reports what any of those comparisons finds: a verdict then holds
whichever way the validator reads the schemas.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from itertools import combinations
from typing import Any


class Dialect(Enum):
    DRAFT4_TO_7 = "draft 4 to 7"
    DRAFT2019_09 = "2019-09"
    DRAFT2020_12 = "2020-12"


class Question(Enum):
    REF_IN_PLACE = "keywords beside $ref apply"
    CONTAINS_EVALUATES = "the items contains matches are evaluated"


# How each dialect answers; absent: open. Draft 4 to 7 have no unevaluatedItems; the checker
# reads it there as 2020-12 does.
_ANSWERS: dict[Dialect, dict[Question, bool]] = {
    Dialect.DRAFT4_TO_7: {Question.REF_IN_PLACE: False, Question.CONTAINS_EVALUATES: True},
    Dialect.DRAFT2019_09: {Question.REF_IN_PLACE: True},
    Dialect.DRAFT2020_12: {Question.REF_IN_PLACE: True, Question.CONTAINS_EVALUATES: True},
}

_META_SCHEMAS = {
    "json-schema.org/draft-03/schema": Dialect.DRAFT4_TO_7,
    "json-schema.org/draft-04/schema": Dialect.DRAFT4_TO_7,
    "json-schema.org/draft-06/schema": Dialect.DRAFT4_TO_7,
    "json-schema.org/draft-07/schema": Dialect.DRAFT4_TO_7,
    "json-schema.org/draft/2019-09/schema": Dialect.DRAFT2019_09,
    "json-schema.org/draft/2020-12/schema": Dialect.DRAFT2020_12,
}

# An open question, where it is open: in a dialect, or in documents that do not say theirs.
Slot = tuple[Dialect | None, Question]


def declared(document: Any) -> Dialect | None:
    """The dialect the document's ``$schema`` names (None when it names none the checker knows)."""
    if not isinstance(document, Mapping) or not isinstance(document.get("$schema"), str):
        return None
    uri: str = document["$schema"]
    uri = uri.strip().removesuffix("#").removeprefix("http://").removeprefix("https://")
    return _META_SCHEMAS.get(uri)


@dataclass
class Reading:
    """One way of answering the open questions (yes, except where `no` says), and the open
    questions met so far."""

    no: frozenset[Slot] = frozenset()
    asked: set[Slot] = field(default_factory=set)

    def answer(self, dialect: Dialect | None, question: Question) -> bool:
        settled = None if dialect is None else _ANSWERS[dialect].get(question)
        if settled is not None:
            return settled
        slot = (dialect, question)
        self.asked.add(slot)
        return slot not in self.no

    def others(self) -> list[frozenset[Slot]]:
        """Every way of answering the open questions met."""
        asked = sorted(self.asked, key=repr)
        return [
            frozenset(no) for count in range(len(asked) + 1) for no in combinations(asked, count)
        ]
