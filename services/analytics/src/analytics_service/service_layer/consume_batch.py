"""Use case: one batch of the analytics stream, from records to published anomalies.

Count the batch into the KPI windows, score the minute windows that are final and not yet
scored, look at the open ones when the batch moved event time across a look mark (unless the
reader is catching up on a backlog), and publish
the anomalies waiting in the store. Each step is idempotent on its own
(events counted once, windows scored once by compare and set, anomalies recorded once per id
and marked when published), so a batch delivered again, or an invocation that failed half way,
changes and publishes nothing twice; whatever a failed invocation left is done by the next.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from ordermesh_contracts.publishing import Publisher

from analytics_service.adapters.ports import KpiStore
from analytics_service.domain.windows import WindowSettings
from analytics_service.service_layer.count_events import Counted, StreamRecord, count_events
from analytics_service.service_layer.look_early import (
    Looked,
    catching_up,
    look_due,
    look_early,
)
from analytics_service.service_layer.publish_anomalies import publish_anomalies
from analytics_service.service_layer.score_windows import Prior, ScoredWindows, score_windows


@dataclass(frozen=True)
class Ports:
    store: KpiStore
    settings: WindowSettings
    publisher: Publisher
    clock: Callable[[], datetime]
    prior: Prior | None = None


@dataclass(frozen=True)
class Consumed:
    counted: Counted
    scored: ScoredWindows
    looked: Looked
    published: int


def consume_batch(records: Sequence[StreamRecord], ports: Ports) -> Consumed:
    now = ports.clock()
    counted = count_events(records, ports.store, ports.settings, now)
    scored = score_windows(ports.store, ports.prior)
    looked = Looked()
    latest = counted.latest_after
    if (
        latest is not None
        and look_due(counted.latest_before, latest)
        and not catching_up(latest, now, ports.settings.allowed_lateness)
    ):
        looked = look_early(ports.store, latest, ports.prior)
    published = publish_anomalies(ports.store, ports.publisher, ports.clock)
    return Consumed(counted, scored, looked, published)
