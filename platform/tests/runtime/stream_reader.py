"""What the stream consumer tests share: a stream function that remembers its batches and
answers as told (Reader), a consumer of the stream ``events`` over it, putting records,
draining the consumer and the records in its on-failure queue."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from aws_lambda_powertools.utilities.parser.models import KinesisDataStreamModel
from ordermesh_platform.runtime.functions import Functions, FunctionSettings
from ordermesh_platform.runtime.lambda_context import LambdaContext
from ordermesh_platform.runtime.queues import Queues
from ordermesh_platform.runtime.stream_consumer import StreamConsumer, StreamConsumerSettings
from ordermesh_platform.runtime.streams import Streams

SHARD0 = "shardId-000000000000"


@dataclass
class Reader:
    """A stream function: parses each event with powertools, remembers the batches, and answers
    with ``respond`` (raising when it returns an exception)."""

    respond: Callable[[list[bytes]], Any] = lambda _data: None
    batches: list[list[bytes]] = field(default_factory=list)
    shards: list[str] = field(default_factory=list)
    sequence_numbers: list[list[str]] = field(default_factory=list)
    request_ids: list[str] = field(default_factory=list)

    def __call__(self, event: dict[str, Any], context: LambdaContext) -> Any:
        parsed = KinesisDataStreamModel.model_validate(event)
        data = [r.kinesis.data for r in parsed.Records]
        assert all(isinstance(d, bytes) for d in data)
        self.batches.append([d for d in data if isinstance(d, bytes)])
        self.shards.append(parsed.Records[0].eventID.split(":")[0])
        self.sequence_numbers.append([r.kinesis.sequenceNumber for r in parsed.Records])
        self.request_ids.append(context.aws_request_id)
        answer = self.respond(self.batches[-1])
        if isinstance(answer, Exception):
            raise answer
        return answer

    def failures(self, *failed: bytes) -> dict[str, Any]:
        """A batchItemFailures response naming the records of the last batch holding ``failed``."""
        numbers = self.sequence_numbers[-1]
        return {
            "batchItemFailures": [
                {"itemIdentifier": n}
                for n, d in zip(numbers, self.batches[-1], strict=True)
                if d in failed
            ]
        }


def _consumer(
    streams: Streams,
    functions: Functions,
    queues: Queues,
    reader: Reader,
    **settings: Any,
) -> StreamConsumer:
    functions.register("reader", FunctionSettings(handler="x:y"), reader)
    settings.setdefault("starting_position", "TRIM_HORIZON")
    return StreamConsumer(
        StreamConsumerSettings(name="analytics", stream="events", function="reader", **settings),
        streams,
        functions,
        queues,
    )


def _put(streams: Streams, *data: bytes, key: str = "k", stream: str = "events") -> list[str]:
    return [streams.put_record(stream, key, d).sequence_number for d in data]


def _drain(consumer: StreamConsumer, rounds: int = 100) -> None:
    for _ in range(rounds):
        if consumer.poll_once() == 0:
            return
    pytest.fail("the consumer did not become idle")


def _dead_letters(queues: Queues, name: str = "stream-dlq") -> list[dict[str, Any]]:
    return [json.loads(m.body) for m in queues.peek(name)]
