"""Validate Amazon States Language definitions at creation, rejecting what Step Functions rejects.

``validate_definition`` parses a definition and raises ``InvalidDefinition`` (AWS's error code)
with AWS's message, one ``Diagnostic`` per problem (see ``definition`` for the checks made). The
parts: ``definition`` (parsing, the top level, the entry point), ``states`` (each state type,
Choice rules, a set of states), ``fields`` (the fields each state type supports and the check of
each), ``graph`` (transitions and reachability), ``values`` (paths, intrinsics, timestamps),
``scope`` (where diagnostics are collected) and ``messages`` (AWS's codes and message).
"""

from ordermesh_platform.sfn.validation.definition import validate_definition
from ordermesh_platform.sfn.validation.messages import Diagnostic, InvalidDefinition

__all__ = ["Diagnostic", "InvalidDefinition", "validate_definition"]
