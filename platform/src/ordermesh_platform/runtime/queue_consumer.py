"""The SQS event source mapping: polls a queue, calls the function with the exact SQS batch
event, deletes what succeeded and leaves the rest to come back after the visibility timeout.

With ``report_batch_item_failures`` the function's ``batchItemFailures`` names the messages that
failed; only those return to the queue. A malformed response, or an error raised by the function,
fails the whole batch, as Lambda does.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ordermesh_platform.runtime.function_calls import FunctionError
from ordermesh_platform.runtime.functions import Functions
from ordermesh_platform.runtime.queues import MAX_BATCH, Message, Queues
from ordermesh_platform.runtime.shapes import sqs_event

logger = logging.getLogger(__name__)

MAX_BATCH_SIZE = 10_000
MAX_BATCHING_WINDOW = 300


@dataclass(frozen=True)
class QueueConsumerSettings:
    queue: str
    function: str
    batch_size: int = 10
    batching_window: float = 0.0
    report_batch_item_failures: bool = True

    def __post_init__(self) -> None:
        if not 1 <= self.batch_size <= MAX_BATCH_SIZE:
            raise ValueError("batch_size must be 1 to 10000")
        if not 0 <= self.batching_window <= MAX_BATCHING_WINDOW:
            raise ValueError("batching_window must be 0 to 300 seconds")
        if self.batch_size > MAX_BATCH and self.batching_window <= 0:
            raise ValueError("a batch_size above 10 needs a batching_window of at least 1 second")


@dataclass(frozen=True)
class BatchOutcome:
    delivered: int
    deleted: int
    failed: int


class QueueConsumer:
    """One event source mapping; ``poll_once`` handles at most one batch."""

    def __init__(
        self, settings: QueueConsumerSettings, queues: Queues, functions: Functions
    ) -> None:
        self.settings = settings
        self.queues = queues
        self.functions = functions

    def poll_once(self) -> BatchOutcome:
        batch = self._gather()
        if not batch:
            return BatchOutcome(0, 0, 0)
        try:
            response = self.functions.invoke(self.settings.function, sqs_event(batch))
        except FunctionError as error:
            logger.warning("%s failed a batch of %d: %s", self.settings.function, len(batch), error)
            return BatchOutcome(len(batch), 0, len(batch))
        failed = self._failures(response, batch)
        succeeded = [m.receipt_handle for m in batch if m.message_id not in failed]
        deleted = self.queues.delete_batch(self.settings.queue, succeeded) if succeeded else 0
        return BatchOutcome(len(batch), deleted, len(batch) - len(succeeded))

    def _gather(self) -> list[Message]:
        """Receive up to ``batch_size`` messages; with a batching window, keep receiving until
        the batch is full or the window has passed."""
        clock = self.queues.clock
        deadline = clock.now() + self.settings.batching_window
        batch: list[Message] = []
        while len(batch) < self.settings.batch_size:
            wanted = min(MAX_BATCH, self.settings.batch_size - len(batch))
            received = self.queues.receive(self.settings.queue, wanted)
            batch.extend(received)
            if len(batch) >= self.settings.batch_size or clock.now() >= deadline:
                break
            if not received:
                clock.sleep(min(0.05, max(0.0, deadline - clock.now())))
        return batch

    def _failures(self, response: Any, batch: Sequence[Message]) -> set[str]:
        """Message ids that failed; every id when the response is malformed."""
        if not self.settings.report_batch_item_failures or response is None:
            return set()
        everything = {m.message_id for m in batch}
        if not isinstance(response, Mapping):
            return set()
        failures = response.get("batchItemFailures")
        if failures is None:
            return set()
        if not isinstance(failures, list):
            return everything
        failed: set[str] = set()
        for failure in failures:
            identifier = failure.get("itemIdentifier") if isinstance(failure, Mapping) else None
            if not isinstance(identifier, str) or identifier not in everything:
                return everything
            failed.add(identifier)
        return failed
