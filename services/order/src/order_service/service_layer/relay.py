"""The outbox relay: publish what committed orders left in the outbox, then mark it published.

Runs right after each unit of work that wrote messages (so events leave within the request) and
again on every later run, so a message left behind by a crash or a bus outage is published by the
next one. Publishing is at least once: a crash between publishing and marking publishes again,
with the same event id, which consumers deduplicate on.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ordermesh_contracts.models.index import MODELS
from ordermesh_contracts.publishing import Outgoing, Publisher
from pydantic import BaseModel

from order_service.adapters.ports import OutboxMessage

# The outbox's position of a message (a sequence number, a sort key) is the adapter's business.
Unpublished = Callable[[int], Sequence[tuple[Any, OutboxMessage]]]
MarkPublished = Callable[[list[Any], datetime], None]
_DATA = {m.ref: m.data for m in MODELS.values() if m.source == "ordermesh.order"}
BATCH = 50


def _data(message: OutboxMessage) -> BaseModel:
    return _DATA[message.ref].model_validate(message.data)


def relay(
    unpublished: Unpublished,
    mark_published: MarkPublished,
    publisher: Publisher,
    now: Callable[[], datetime],
) -> int:
    """Publish every unpublished message, oldest first; how many were published. Raises the
    publisher's error if the bus refuses (the rest stay for the next run)."""
    published = 0
    while batch := unpublished(BATCH):
        outgoing = [
            Outgoing(
                data=_data(message),
                correlation_id=message.correlation_id,
                causation_id=message.causation_id,
                event_id=message.event_id,
                occurred_at=message.occurred_at,
            )
            for _, message in batch
        ]
        publisher.publish(*outgoing)
        mark_published([seq for seq, _ in batch], now())
        published += len(batch)
        if len(batch) < BATCH:
            break
    return published


@dataclass
class OutboxRelay:
    """``relay`` for the invocations of one process: one drains at a time, and a kick while it
    drains makes it look again, so no commit waits for another's publishing and none is missed.
    """

    unpublished: Unpublished
    mark_published: MarkPublished
    publisher: Publisher
    now: Callable[[], datetime]
    _draining: threading.Lock = field(default_factory=threading.Lock)
    _dirty: threading.Event = field(default_factory=threading.Event)

    def kick(self) -> int:
        """Publish what is waiting, unless another thread already is (it will see it)."""
        self._dirty.set()
        published = 0
        while self._dirty.is_set() and self._draining.acquire(blocking=False):
            try:
                self._dirty.clear()
                published += relay(self.unpublished, self.mark_published, self.publisher, self.now)
            finally:
                self._draining.release()
        return published
