"""What a rejected definition reports: AWS's diagnostic codes, ``Diagnostic`` and
``InvalidDefinition``, and the message they make (``Invalid State Machine Definition: '...'``)."""

from __future__ import annotations

from typing import Final, NamedTuple

SCHEMA: Final = "SCHEMA_VALIDATION_FAILED"
MISSING_TARGET: Final = "MISSING_TRANSITION_TARGET"
MISSING_END_STATE: Final = "MISSING_END_STATE"
DUPLICATE_STATE_NAME: Final = "DUPLICATE_STATE_NAME"
DUPLICATE_LABEL_NAME: Final = "DUPLICATE_LABEL_NAME"
INVALID_STATE_NAME: Final = "INVALID_STATE_NAME"
INVALID_JSON: Final = "INVALID_JSON_DESCRIPTION"
MISSING_DESCRIPTION: Final = "MISSING_DESCRIPTION"


class Diagnostic(NamedTuple):
    """One problem: AWS's diagnostic code, the JSON pointer ("" when AWS gives none), the reason."""

    code: str
    path: str
    reason: str

    def render(self) -> str:
        text = f"{self.code}: {self.reason}"
        return f"{text} at {self.path}" if self.path else text


class InvalidDefinition(Exception):  # noqa: N818 - named after AWS's error code
    """Step Functions' ``InvalidDefinition``: ``message`` is AWS's full message.

    ``problems`` lists ``(JSON pointer, reason)`` pairs; ``diagnostics`` the same with AWS's code.
    """

    code: Final = "InvalidDefinition"

    def __init__(self, message: str, diagnostics: list[Diagnostic]) -> None:
        super().__init__(message)
        self.message = message
        self.diagnostics = diagnostics
        self.problems = [(item.path, item.reason) for item in diagnostics]


def aws_message(diagnostics: list[Diagnostic]) -> str:
    return "Invalid State Machine Definition: '{}'".format(
        ", ".join(item.render() for item in diagnostics)
    )


def invalid(diagnostics: list[Diagnostic]) -> InvalidDefinition:
    return InvalidDefinition(aws_message(diagnostics), diagnostics)
