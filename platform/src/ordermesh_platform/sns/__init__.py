"""SNS on the local runtime's terms: subscription filter policies, checked and matched as SNS
does (``compile_filter_policy``, ``FilterPolicy.matches``)."""

from .filter_policy import (
    MAX_COMBINATIONS,
    MAX_KEYS,
    SCOPES,
    FilterPolicy,
    InvalidFilterPolicyError,
    Scope,
    check_scope,
    compile_filter_policy,
)
from .matching import MessageView, attribute_values

__all__ = [
    "MAX_COMBINATIONS",
    "MAX_KEYS",
    "SCOPES",
    "FilterPolicy",
    "InvalidFilterPolicyError",
    "MessageView",
    "Scope",
    "attribute_values",
    "check_scope",
    "compile_filter_policy",
]
