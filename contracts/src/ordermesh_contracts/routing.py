"""The event pattern of a manifest's subscription: its event version's pattern, plus the
subscription's own filters. The local bus and the AWS rules both take their patterns from here,
so a subscription selects the same events in both places."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ordermesh_contracts.catalog import Catalog, EventContract
from ordermesh_contracts.manifest import Subscription


class PatternConflictError(ValueError):
    """A subscription filters a field its event version already fixes; ``where`` is the field's
    dotted path in the pattern."""

    def __init__(self, where: str, reason: str) -> None:
        super().__init__(f"{where}: {reason}")
        self.where = where
        self.reason = reason


def version_pattern(contract: EventContract) -> dict[str, Any]:
    """The pattern that selects exactly one event version."""
    key = contract.key
    return {
        "source": [key.source],
        "detail-type": [key.detail_type],
        "detail": {"metadata": {"eventVersion": [key.version]}},
    }


def merge_patterns(
    base: Mapping[str, Any], extra: Mapping[str, Any], where: str = ""
) -> dict[str, Any]:
    """``base`` with ``extra``'s filters added; a field filtered by both is an error."""
    merged = dict(base)
    for key, value in extra.items():
        path = f"{where}.{key}" if where else key
        if key not in merged:
            merged[key] = value
        elif isinstance(merged[key], Mapping) and isinstance(value, Mapping):
            merged[key] = merge_patterns(merged[key], value, path)
        else:
            raise PatternConflictError(
                path, "the subscription's pattern filters a field its event version already fixes"
            )
    return merged


def subscription_pattern(catalog: Catalog, subscription: Subscription) -> dict[str, Any]:
    """The rule pattern of ``subscription`` (``KeyError`` if its event is not in ``catalog``)."""
    pattern = version_pattern(catalog.find(subscription.event))
    if subscription.pattern:
        pattern = merge_patterns(pattern, subscription.pattern)
    return pattern
