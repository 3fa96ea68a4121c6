"""The stream consumer's checkpoints: each consumer of a stream keeps its own, and a
restarted consumer resumes from its checkpoint (LATEST fixed when the mapping is made, a
batch in flight delivered again, retries counted across the restart)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from ordermesh_platform.runtime.functions import Functions, FunctionSettings
from ordermesh_platform.runtime.queues import Queues
from ordermesh_platform.runtime.stream_consumer import StreamConsumer, StreamConsumerSettings
from ordermesh_platform.runtime.streams import Streams
from ordermesh_platform.shared.clock import ManualClock
from ordermesh_platform.shared.store import Store
from tests.runtime.stream_reader import Reader, _consumer, _dead_letters, _drain, _put


def test_consumers_of_one_stream_keep_their_own_checkpoints(
    streams: Streams, functions: Functions, queues: Queues
) -> None:
    first, second = Reader(), Reader()
    functions.register("first", FunctionSettings(handler="x:y"), first)
    functions.register("second", FunctionSettings(handler="x:y"), second)
    consumers = [
        StreamConsumer(
            StreamConsumerSettings(
                name=name, stream="events", function=name, starting_position="TRIM_HORIZON"
            ),
            streams,
            functions,
            queues,
        )
        for name in ("first", "second")
    ]
    _put(streams, b"a")
    _drain(consumers[0])
    _put(streams, b"b")
    _drain(consumers[0])
    _drain(consumers[1])
    assert first.batches == [[b"a"], [b"b"]]
    assert second.batches == [[b"a", b"b"]]


# --- restarts -------------------------------------------------------------------------------------
def _open(path: Path, clock: ManualClock, reader: Reader, **settings: Any) -> StreamConsumer:
    store = Store(path)
    queues = Queues(store, clock)
    functions = Functions(store, clock, queues)
    streams = Streams(store, clock)
    streams.create("events")
    return _consumer(streams, functions, queues, reader, **settings)


def test_a_restarted_consumer_resumes_after_its_checkpoint(tmp_path: Path) -> None:
    clock = ManualClock()
    path = tmp_path / "runtime.sqlite3"
    before = Reader()
    consumer = _open(path, clock, before, batch_size=2)
    _put(consumer.streams, b"1", b"2", b"3", b"4", b"5")
    assert consumer.poll_once() == 2
    consumer.store.close()

    after = Reader()
    reopened = _open(path, clock, after, batch_size=2)
    _drain(reopened)
    assert before.batches == [[b"1", b"2"]]
    assert after.batches == [[b"3", b"4"], [b"5"]]
    reopened.store.close()


def test_latest_is_fixed_when_the_mapping_is_created(tmp_path: Path) -> None:
    clock = ManualClock()
    path = tmp_path / "runtime.sqlite3"
    consumer = _open(path, clock, Reader(), starting_position="LATEST")
    _put(consumer.streams, b"while-stopped")
    consumer.store.close()

    reader = Reader()
    reopened = _open(path, clock, reader, starting_position="LATEST")
    _drain(reopened)
    assert reader.batches == [[b"while-stopped"]]
    reopened.store.close()


def test_a_batch_in_flight_when_the_process_dies_is_delivered_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = ManualClock()
    path = tmp_path / "runtime.sqlite3"
    first = Reader()
    consumer = _open(path, clock, first)
    _put(consumer.streams, b"1", b"2")

    def die(*_args: object) -> None:
        raise SystemExit

    with monkeypatch.context() as patch:
        patch.setattr(StreamConsumer, "_finish", die)  # killed before the checkpoint is written
        with pytest.raises(SystemExit):
            consumer.poll_once()
    consumer.store.close()

    second = Reader()
    reopened = _open(path, clock, second)
    _drain(reopened)
    assert first.batches == [[b"1", b"2"]]
    assert second.batches == [[b"1", b"2"]]
    reopened.store.close()


def test_retries_survive_a_restart(tmp_path: Path) -> None:
    clock = ManualClock()
    path = tmp_path / "runtime.sqlite3"
    failing = Reader(respond=lambda _d: RuntimeError("down"))
    settings: dict[str, Any] = {"maximum_retry_attempts": 1, "on_failure": "stream-dlq"}
    consumer = _open(path, clock, failing, **settings)
    _put(consumer.streams, b"1")
    consumer.poll_once()
    consumer.store.close()

    still_failing = Reader(respond=lambda _d: RuntimeError("down"))
    reopened = _open(path, clock, still_failing, **settings)
    _drain(reopened)
    assert len(failing.batches) + len(still_failing.batches) == 2, "one try and one retry in all"
    assert _dead_letters(reopened.queues)[0]["requestContext"]["approximateInvokeCount"] == 2
    reopened.store.close()
