"""Events per minute seen lately, per event version, from the local runtime's bus archive (every
event the bus accepted, with when it was received). ``/catalog/rates.json`` answers it; an event
page fetches it and shows its version's rate (the published site has no running system, so the
page says so instead)."""

from __future__ import annotations

import sqlite3
from typing import Any

WINDOW_SECONDS = 300  # "lately": the last five minutes

_QUERY = """
SELECT source, detail_type, json_extract(event, '$.detail.metadata.eventVersion'), COUNT(*)
FROM archive WHERE bus = ? AND received_at >= ?
GROUP BY 1, 2, 3
"""


def recent_rates(
    conn: sqlite3.Connection, bus: str, now: float, window: int = WINDOW_SECONDS
) -> dict[str, Any]:
    """``{"windowSeconds": 300, "events": {"ordermesh.order/OrderPlaced@2": 1.4, ...}}``: events
    per minute over the last ``window`` seconds, by ``source/Name@version``."""
    rows = conn.execute(_QUERY, (bus, now - window)).fetchall()
    per_minute = {
        f"{source}/{detail_type}@{version}": round(count * 60 / window, 2)
        for source, detail_type, version, count in rows
    }
    return {"windowSeconds": window, "events": dict(sorted(per_minute.items()))}
