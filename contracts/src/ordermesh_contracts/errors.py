"""Errors and problems raised or reported by the contract tooling."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with the contracts: where (file and JSON pointer) and what."""

    file: str
    pointer: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}{self.pointer}" if self.pointer.startswith("#") else self.file
        return f"{where}: {self.message}"


class ContractError(Exception):
    """The contract sources themselves are broken (unreadable schema, unresolvable $ref, ...)."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems))


class ContractViolation(ValueError):  # noqa: N818 - the domain word: an event violates its contract
    """An event does not satisfy its contract.

    ``event`` is ``Name@version`` (or the detail-type when no version could be read), ``pointer``
    a JSON pointer into the event, ``reason`` what is wrong there.
    """

    def __init__(self, event: str, pointer: str, reason: str) -> None:
        self.event = event
        self.pointer = pointer
        self.reason = reason
        self.all: list[ContractViolation] = [self]  # every violation found, this one first
        super().__init__(f"{event} {pointer or '/'}: {reason}")
