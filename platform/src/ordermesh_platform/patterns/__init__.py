"""EventBridge event patterns: compile, match, and route events to rules.

``compile_pattern`` checks a pattern as EventBridge does (raising InvalidEventPatternError) and
returns an :class:`EventPattern`; ``EventPattern.matches`` tests a parsed event;
:class:`RuleIndex` finds every rule that matches an event without trying each one;
:class:`CachedRuleIndex` also remembers the result by the values of the fields the rules read.
The CIDR reader (``parse_cidr``, ``parse_ip``, ``IpRange``, ``CidrError``) serves SNS filter
policies too, whose ``cidr`` operand EventBridge's errors describe alike.
"""

from ._values import CidrError, IpRange, parse_cidr, parse_ip
from .errors import InvalidEventPatternError
from .index import RuleIndex
from .matcher import EventPattern, compile_pattern
from .projection import CachedRuleIndex, Projection

__all__ = [
    "CachedRuleIndex",
    "CidrError",
    "EventPattern",
    "InvalidEventPatternError",
    "IpRange",
    "Projection",
    "RuleIndex",
    "compile_pattern",
    "parse_cidr",
    "parse_ip",
]
