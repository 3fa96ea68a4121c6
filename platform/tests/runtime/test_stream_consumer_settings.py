"""The stream consumer's settings: validated as Lambda validates them, a mapping needs its
stream, and records wait for a function that is not registered yet."""

from __future__ import annotations

from typing import Any

import pytest
from ordermesh_platform.runtime.functions import Functions, FunctionSettings
from ordermesh_platform.runtime.queues import Queues
from ordermesh_platform.runtime.stream_consumer import StreamConsumer, StreamConsumerSettings
from ordermesh_platform.runtime.stream_shards import StreamError
from ordermesh_platform.runtime.streams import Streams
from tests.runtime.stream_reader import Reader, _drain, _put


@pytest.mark.parametrize(
    "settings",
    [
        {"batch_size": 0},
        {"batch_size": 10_001},
        {"maximum_batching_window": 301},
        {"maximum_retry_attempts": -2},
        {"maximum_retry_attempts": 10_001},
        {"maximum_record_age": 59},
        {"maximum_record_age": 604_801},
        {"starting_position": "AT_TIMESTAMP"},
        {"starting_position": "EARLIEST"},
        {"starting_position": "LATEST", "starting_position_timestamp": 1.0},
    ],
)
def test_settings_are_validated_as_lambda_validates_them(settings: dict[str, Any]) -> None:
    settings.setdefault("starting_position", "TRIM_HORIZON")
    with pytest.raises(ValueError, match=r"must|goes with"):
        StreamConsumerSettings(name="c", stream="s", function="f", **settings)


def test_a_mapping_needs_its_stream(streams: Streams, functions: Functions, queues: Queues) -> None:
    with pytest.raises(StreamError) as error:
        StreamConsumer(
            StreamConsumerSettings(
                name="c", stream="missing", function="f", starting_position="LATEST"
            ),
            streams,
            functions,
            queues,
        )
    assert error.value.code == "ResourceNotFoundException"


def test_records_wait_for_a_function_that_is_not_registered_yet(
    streams: Streams, functions: Functions, queues: Queues
) -> None:
    consumer = StreamConsumer(
        StreamConsumerSettings(
            name="c", stream="events", function="later", starting_position="TRIM_HORIZON"
        ),
        streams,
        functions,
        queues,
    )
    _put(streams, b"a")
    assert consumer.poll_once() == 0
    reader = Reader()
    functions.register("later", FunctionSettings(handler="x:y"), reader)
    _drain(consumer)
    assert reader.batches == [[b"a"]]
