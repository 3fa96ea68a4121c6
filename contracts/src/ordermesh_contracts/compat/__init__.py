"""JSON Schema (draft 4+) compatibility checker.

``diff(old, new)`` lists every difference between two schemas; each `Change` says whether it
keeps old documents valid under the new schema (``backward``) and new documents valid under
the old one (``forward``). ``check``/``check_history`` apply a `Mode` to those changes.
The change types and their classification are in `CATALOGUE` (see ``changes.py``).
"""

from ordermesh_contracts.compat.changes import CATALOGUE, Change, ChangeType
from ordermesh_contracts.compat.diff import diff
from ordermesh_contracts.compat.modes import (
    CompatibilityResult,
    Mode,
    Violation,
    check,
    check_history,
)
from ordermesh_contracts.compat.refs import Resolver

__all__ = [
    "CATALOGUE",
    "Change",
    "ChangeType",
    "CompatibilityResult",
    "Mode",
    "Resolver",
    "Violation",
    "check",
    "check_history",
    "diff",
]
