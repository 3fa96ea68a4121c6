"""EventBridge event patterns: compile, match, and route events to rules.

``compile_pattern`` checks a pattern as EventBridge does (raising InvalidEventPatternError) and
returns an :class:`EventPattern`; ``EventPattern.matches`` tests a parsed event;
:class:`RuleIndex` finds every rule that matches an event without trying each one.
"""

from .errors import InvalidEventPatternError
from .index import RuleIndex
from .matcher import EventPattern, compile_pattern

__all__ = ["EventPattern", "InvalidEventPatternError", "RuleIndex", "compile_pattern"]
