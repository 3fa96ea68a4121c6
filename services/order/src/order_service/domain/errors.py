"""Domain errors. A rejected order names every offending field, so an API can answer with a
problem document that points at them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldProblem:
    """What is wrong (``message``) and where (``field``, a path such as ``lines[1].quantity``)."""

    field: str
    message: str


class OrderError(Exception):
    """Something the order domain refuses."""


class InvalidOrder(OrderError):  # noqa: N818 - a domain word: the order is invalid
    """The order cannot be placed as given; ``problems`` lists every reason."""

    def __init__(self, problems: list[FieldProblem]) -> None:
        super().__init__("; ".join(f"{p.field}: {p.message}" for p in problems))
        self.problems = tuple(problems)


class IllegalTransition(OrderError):  # noqa: N818 - a domain word
    """The order's status does not allow the change (e.g. confirming a cancelled order)."""
