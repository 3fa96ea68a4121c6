"""The error raised for an event pattern that EventBridge would reject."""

from __future__ import annotations

ROOT_PATH = "<root>"


class InvalidEventPatternError(ValueError):
    """An event pattern EventBridge rejects, in the style of its InvalidEventPatternException.

    ``reason`` says what is wrong, ``path`` where: field names joined by dots, with ``$or``
    branches by index (``detail.$or[1].amount``); ``<root>`` for the pattern as a whole.
    """

    def __init__(self, reason: str, path: str = ROOT_PATH) -> None:
        self.reason = reason
        self.path = path or ROOT_PATH
        super().__init__(f"Event pattern is not valid. Reason: {reason} at {self.path}")

    def __reduce__(self) -> tuple[type[InvalidEventPatternError], tuple[str, str]]:
        return type(self), (self.reason, self.path)
