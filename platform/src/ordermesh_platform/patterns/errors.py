"""The error raised for an event pattern that EventBridge would reject."""

from __future__ import annotations

ROOT_PATH = "<root>"


class InvalidEventPatternError(ValueError):
    """An event pattern EventBridge rejects, in the style of its InvalidEventPatternException.

    ``reason`` says what is wrong, ``path`` where: field names joined by dots, with ``$or``
    branches by index (``detail.$or[1].amount``); ``<root>`` for the pattern as a whole. A
    ``path`` of None is the rule as a whole too, in a message that names no place, as AWS words
    what it finds wrong with the rule rather than with a spot in its text (it is too complex).
    """

    def __init__(self, reason: str, path: str | None = ROOT_PATH) -> None:
        self.reason = reason
        self.path = path or ROOT_PATH
        self._placed = path is not None
        message = f"Event pattern is not valid. Reason: {reason}"
        super().__init__(f"{message} at {self.path}" if self._placed else message)

    def __reduce__(self) -> tuple[type[InvalidEventPatternError], tuple[str, str | None]]:
        return type(self), (self.reason, self.path if self._placed else None)
