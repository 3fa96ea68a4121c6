"""Pages of the List* and GetExecutionHistory responses, and history without execution data."""

from __future__ import annotations

import base64
import json
from typing import Any

from ordermesh_platform.sfn.engine.persistence import compact_json
from ordermesh_platform.shared.aws import AwsError

MAX_RESULTS = 1000
_DATA_FIELDS = ("input", "output", "parameters")


def _encode_page(scope: str, last: Any) -> str:
    return base64.urlsafe_b64encode(compact_json({"scope": scope, "after": last}).encode()).decode()


def _decode_page(token: str, scope: str) -> Any:
    try:
        decoded = json.loads(base64.urlsafe_b64decode(token.encode()).decode())
    except (ValueError, UnicodeDecodeError):
        decoded = None
    if not isinstance(decoded, dict) or decoded.get("scope") != scope:
        raise AwsError("InvalidToken", f"Invalid Token: '{token}'")
    return decoded.get("after")


def paged(
    key: str,
    items: list[tuple[Any, dict[str, Any]]],
    max_results: int | None,
    next_token: str | None,
    *,
    scope: str,
    descending: bool = False,
) -> dict[str, Any]:
    """A List* response: one page of ``items`` ((sort key, item) pairs in order) under ``key``.

    The token names the last item returned (not an offset), so items added between pages
    neither repeat nor go missing; it is only good for the same listing (``scope``).
    """
    limit = 100 if max_results is None or max_results == 0 else max_results
    if not 0 < limit <= MAX_RESULTS:
        raise AwsError(
            "ValidationException",
            f"1 validation error detected: Value '{limit}' at 'maxResults' failed to satisfy "
            f"constraint: Member must have value between 0 and {MAX_RESULTS}",
        )
    start = 0
    if next_token:
        after = _decode_page(next_token, scope)
        start = next(
            (
                index
                for index, (sort_key, _) in enumerate(items)
                if (sort_key < after if descending else sort_key > after)
            ),
            len(items),
        )
    chunk = items[start : start + limit]
    result: dict[str, Any] = {key: [item for _, item in chunk]}
    if start + limit < len(items):
        result["nextToken"] = _encode_page(scope, chunk[-1][0])
    return result


def without_data(event: dict[str, Any]) -> dict[str, Any]:
    """An event with its input, output and parameters left out (includeExecutionData=false)."""
    trimmed: dict[str, Any] = {}
    for key, value in event.items():
        if isinstance(value, dict) and key.endswith("EventDetails"):
            trimmed[key] = {k: v for k, v in value.items() if k not in _DATA_FIELDS}
        else:
            trimmed[key] = value
    return trimmed
