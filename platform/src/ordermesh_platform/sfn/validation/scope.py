"""Where a definition is checked: the diagnostics found so far (``Context``) and, for one state,
its effective query language and the checks of value types and ranges (``Scope``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final

from ordermesh_platform.sfn.validation.messages import SCHEMA, Diagnostic
from ordermesh_platform.sfn.validation.values import is_integer, is_jsonata, is_number

JSONPATH: Final = "JSONPath"
JSONATA: Final = "JSONata"


@dataclass
class Context:
    express: bool
    machine_language: str = JSONPATH
    diagnostics: list[Diagnostic] = field(default_factory=list)
    label_errors: list[Diagnostic] = field(default_factory=list)
    state_names: set[str] = field(default_factory=set)
    labels: set[str] = field(default_factory=set)

    def fail(self, path: str, reason: str, code: str = SCHEMA) -> None:
        self.diagnostics.append(Diagnostic(code, path, reason))


@dataclass(frozen=True)
class Scope:
    """Where a state is checked: the shared context and the state's effective query language."""

    ctx: Context
    language: str

    @property
    def jsonata(self) -> bool:
        return self.language == JSONATA

    def fail(self, path: str, reason: str, code: str = SCHEMA) -> None:
        self.ctx.fail(path, reason, code)

    def check_integer(self, path: str, value: Any, minimum: int, maximum: int | None) -> None:
        if self.jsonata and is_jsonata(value):
            return
        if not is_integer(value):
            self.fail(path, "Expected value of type Integer")
        elif value < minimum:
            self.fail(path, f"Minimum value is {minimum}")
        elif maximum is not None and value > maximum:
            self.fail(path, f"Maximum value is {maximum}")

    def check_number(self, path: str, value: Any, minimum: float, maximum: float | None) -> None:
        if self.jsonata and is_jsonata(value):
            return
        if not is_number(value):
            self.fail(path, "Expected value of type Number")
        elif value < minimum:
            self.fail(path, f"Minimum value is {minimum}")
        elif maximum is not None and value > maximum:
            self.fail(path, f"Maximum value is {maximum}")

    def check_string(self, path: str, value: Any) -> bool:
        if isinstance(value, str):
            return True
        self.fail(path, "Expected value of type String")
        return False

    def check_object(self, path: str, value: Any) -> bool:
        if isinstance(value, dict):
            return True
        self.fail(path, "Expected value of type Object")
        return False

    def check_array(self, path: str, value: Any, *, non_empty: bool = True) -> bool:
        if not isinstance(value, list):
            self.fail(path, "Expected value of type Array")
            return False
        if non_empty and not value:
            self.fail(path, "Value cannot be empty")
            return False
        return True

    def check_enum(self, path: str, value: Any, allowed: tuple[str, ...]) -> bool:
        if value in allowed:
            return True
        self.fail(path, f"Value should be one of the following: [{', '.join(allowed)}]")
        return False
