"""Delivery streams on the store: buffers flushed by size or by age, whichever first, each into
one Parquet object named as Firehose names it; records that fail conversion in the error output
as Firehose writes it; every record once; a batch written again after a crash under the same
name with the same content."""

from __future__ import annotations

import base64
import json
import os
import re
from pathlib import Path

import pytest
from ordermesh_platform.lake import objects
from ordermesh_platform.runtime.bus import LocalEventBus
from ordermesh_platform.runtime.delivery_streams import (
    MEGABYTE,
    DeliveryStreamError,
    DeliveryStreams,
)
from ordermesh_platform.shared.clock import ManualClock
from tests.lake.support import (
    ORDER_PLACED,
    flush_killed_before_publishing,
    lake_ids,
    order_placed,
    parquet_files,
    put,
    restarted,
)

PARTITION = "events/event=OrderPlaced/version=2/date=2026-01-01/"
UUID = "[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"


def _status(streams: DeliveryStreams, name: str = ORDER_PLACED) -> tuple[int, int, int, int]:
    (found,) = [s for s in streams.status() if s.name == name]
    return (
        found.records_buffered,
        found.objects_written,
        found.records_delivered,
        found.conversion_failures,
    )


def test_a_buffer_is_written_once_its_oldest_record_is_interval_seconds_old(
    streams: DeliveryStreams, bus: LocalEventBus, clock: ManualClock, lake: Path
) -> None:
    # Given three records, the first put at 00:00:00 (the stream's local interval is 5 s)
    put(bus, order_placed(1))
    clock.advance(2)
    put(bus, order_placed(2), order_placed(3))
    # When 4.9 s have passed, nothing is due; at 5 s the buffer is
    clock.advance(2.9)
    assert streams.run_due() == 0
    assert parquet_files(lake) == []
    clock.advance(0.1)
    assert streams.run_due() == 3
    # Then one object, named after the oldest record's arrival, holds the three
    (path,) = parquet_files(lake)
    key = path.relative_to(lake).as_posix()
    assert re.fullmatch(rf"{PARTITION}{ORDER_PLACED}-1-2026-01-01-00-00-00-{UUID}\.parquet", key), (
        key
    )
    assert lake_ids(lake) == [order_placed(n)["id"] for n in (1, 2, 3)]
    assert _status(streams) == (0, 1, 3, 0)
    assert streams.run_due() == 0


def test_a_buffer_is_written_once_it_holds_size_mb_before_its_interval(
    streams: DeliveryStreams, bus: LocalEventBus, lake: Path
) -> None:
    # Given records adding up to just over 1 MB, all put at the same moment
    events, total = [], 0
    while total < MEGABYTE + 5000:
        event = order_placed(len(events))
        events.append(event)
        total += len(json.dumps(event).encode())
    put(bus, *events)
    sizes = [len(json.dumps(e).encode()) for e in events]
    first_full = next(i for i in range(len(sizes)) if sum(sizes[: i + 1]) >= MEGABYTE) + 1
    # When the flusher looks, no time having passed
    streams.run_due()
    # Then one object holds the records up to the first MB; the rest wait for their interval
    assert [e["id"] for e in events[:first_full]] == lake_ids(lake)
    assert len(parquet_files(lake)) == 1
    assert _status(streams) == (len(events) - first_full, 1, first_full, 0)


def test_what_is_left_after_a_full_buffer_is_written_waits_its_own_interval(
    streams: DeliveryStreams, bus: LocalEventBus, clock: ManualClock, lake: Path
) -> None:
    # Given records of under 1 MB put at 0 s, and at 3 s more than make up the MB
    size = len(json.dumps(order_placed(0)).encode())
    early = [order_placed(n) for n in range(MEGABYTE // size - 10)]
    late = [order_placed(n) for n in range(len(early), len(early) + 100)]
    put(bus, *early)
    clock.advance(3)
    put(bus, *late)
    # When the flusher looks at 3 s, the first MB is written: every early record, some late
    first_full = -(-MEGABYTE // size)
    assert streams.run_due() == first_full > len(early)
    # Then the late ones left wait 5 s from their own arrival, not from the early ones'
    clock.advance(4.9)
    assert streams.run_due() == 0
    clock.advance(0.1)
    assert streams.run_due() == len(early) + len(late) - first_full
    assert sorted(lake_ids(lake)) == sorted(e["id"] for e in early + late)


def test_the_key_and_the_date_partition_come_from_the_oldest_records_arrival(
    streams: DeliveryStreams, bus: LocalEventBus, clock: ManualClock, lake: Path
) -> None:
    clock.advance(86_400 - 0.5)  # 2026-01-01T23:59:59.5Z
    put(bus, order_placed(1))
    clock.advance(1)  # the next record arrives on 2026-01-02
    put(bus, order_placed(2))
    assert streams.flush() == {ORDER_PLACED: 2}
    (path,) = parquet_files(lake)
    assert path.parent.name == "date=2026-01-01"
    assert path.name.startswith(f"{ORDER_PLACED}-1-2026-01-01-23-59-59-")


def test_a_record_that_fails_conversion_goes_to_the_error_output_as_firehose_writes_it(
    streams: DeliveryStreams, clock: ManualClock, lake: Path
) -> None:
    # Given a batch of two good records, one whose lines are not an array, and one not JSON
    bad = order_placed(3)
    bad["detail"]["data"]["lines"] = "three books"
    records = [json.dumps(order_placed(1)).encode(), json.dumps(bad).encode()]
    records += [b"not json", json.dumps(order_placed(2)).encode()]
    streams.put_record_batch(ORDER_PLACED, records)
    # When the buffer is flushed
    clock.advance(1)
    streams.flush()
    # Then the good ones are in the Parquet object and the others in the error output
    assert lake_ids(lake) == [order_placed(1)["id"], order_placed(2)["id"]]
    (error_object,) = [p for p in (lake / "errors").rglob("*") if p.is_file()]
    key = error_object.relative_to(lake).as_posix()
    assert re.fullmatch(
        rf"errors/format-conversion-failed/{PARTITION}{ORDER_PLACED}-1-2026-01-01-00-00-00-{UUID}",
        key,
    ), key
    documents = [json.loads(line) for line in error_object.read_text().splitlines()]
    assert [base64.b64decode(d["rawData"]) for d in documents] == [records[1], records[2]]
    for document in documents:
        assert set(document) == {
            "attemptsMade",
            "arrivalTimestamp",
            "ErrorCode",
            "ErrorMessage",
            "attemptEndingTimestamp",
            "rawData",
            "sequenceNumber",
            "subSequenceNumber",
            "dataCatalogTable",
        }
        assert document["arrivalTimestamp"] == 1_767_225_600_000
        assert document["attemptEndingTimestamp"] == 1_767_225_601_000
        assert document["dataCatalogTable"]["databaseName"] == "ordermesh_lake"
        assert document["dataCatalogTable"]["tableName"] == "order_placed_v2"
        assert set(document["dataCatalogTable"]) == {
            "catalogId",
            "databaseName",
            "tableName",
            "region",
            "versionId",
            "catalogArn",
        }
    assert documents[0]["ErrorMessage"] == "detail.data.lines: a string is not an array"
    assert documents[1]["ErrorMessage"].startswith("$: not a JSON document")
    assert _status(streams) == (0, 1, 2, 2)


def test_an_archived_event_is_written_once_across_flushes_and_restarts(
    streams: DeliveryStreams, bus: LocalEventBus, lake: Path
) -> None:
    # Given an event written, and one archived after it and not yet written
    put(bus, order_placed(1))
    assert streams.flush() == {ORDER_PLACED: 1}
    put(bus, order_placed(2))
    streams.run_due()  # read, not due
    # When a new process starts on the same store and lake and flushes, twice
    again = restarted(streams)
    assert again.flush() == {ORDER_PLACED: 1}
    assert again.flush() == {}
    # Then each is in the lake once, and the first process, behind, writes nothing again
    assert streams.flush() == {}
    assert sorted(lake_ids(lake)) == [order_placed(1)["id"], order_placed(2)["id"]]
    assert _status(again) == (0, 2, 2, 0)


def test_a_batch_sealed_and_not_published_is_written_again_under_its_name_with_its_content(
    streams: DeliveryStreams,
    bus: LocalEventBus,
    clock: ManualClock,
    lake: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given a flush killed after its object was renamed into place, before it was published
    put(bus, *(order_placed(n) for n in range(5)))
    flush_killed_before_publishing(streams, monkeypatch)
    (path,) = parquet_files(lake)
    content = path.read_bytes()
    # When a new process starts on the same store and lake, later, and flushes
    clock.advance(60)
    again = restarted(streams)
    assert again.recover() == 5
    # Then the same object, same bytes, holds each record once, and nothing is left buffered
    assert [p for p in (lake / "events").rglob("*") if p.is_file()] == [path]
    assert path.read_bytes() == content
    assert sorted(lake_ids(lake)) == sorted(order_placed(n)["id"] for n in range(5))
    assert again.flush() == {}
    assert _status(again) == (0, 1, 5, 0)


def test_a_staging_file_a_killed_writer_left_is_removed_on_recovery(
    streams: DeliveryStreams, clock: ManualClock, lake: Path
) -> None:
    staging = lake / objects.STAGING
    staging.mkdir(parents=True)
    (staging / "left.1.2.tmp").write_bytes(b"PAR1")
    os.utime(staging / "left.1.2.tmp", (clock.now() - 3600, clock.now() - 3600))
    (staging / "writing.3.4.tmp").write_bytes(b"PAR1")  # another process, writing now
    os.utime(staging / "writing.3.4.tmp", (clock.now(), clock.now()))
    streams.recover()
    assert [p.name for p in staging.iterdir()] == ["writing.3.4.tmp"]


def test_put_record_checks_the_stream_and_the_limits(streams: DeliveryStreams) -> None:
    with pytest.raises(DeliveryStreamError) as error:
        streams.put_record("no-such-stream", b"{}")
    assert error.value.code == "ResourceNotFoundException"
    with pytest.raises(DeliveryStreamError) as error:
        streams.put_record_batch(ORDER_PLACED, [])
    assert error.value.code == "InvalidArgumentException"
    with pytest.raises(DeliveryStreamError) as error:
        streams.put_record(ORDER_PLACED, b"x" * (1_000 * 1024 + 1))
    assert "record 0" in error.value.message
