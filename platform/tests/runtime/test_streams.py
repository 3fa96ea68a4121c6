from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from ordermesh_platform.runtime.stream_shards import PutRecordsEntry, StreamError
from ordermesh_platform.runtime.streams import Streams
from ordermesh_platform.shared.aws import stream_arn
from ordermesh_platform.shared.clock import ManualClock
from ordermesh_platform.shared.store import Store

TOP = 2**128 - 1


@pytest.fixture
def streams(store: Store, clock: ManualClock) -> Streams:
    return Streams(store, clock)


def _expected_shard(partition_key: str, shard_count: int) -> str:
    """Kinesis's placement, computed from the documented rule rather than the module under test."""
    hash_key = int(hashlib.md5(partition_key.encode("utf-8")).hexdigest(), 16)  # noqa: S324
    width = 2**128 // shard_count
    index = min(hash_key // width, shard_count - 1)
    return f"shardId-{index:012d}"


def test_shards_split_the_hash_key_space_as_kinesis_does(streams: Streams) -> None:
    streams.create("analytics", shard_count=3, retention_hours=48)
    description = streams.describe("analytics")
    assert description.arn == stream_arn("analytics")
    assert description.retention_hours == 48
    assert [s.shard_id for s in description.shards] == [
        "shardId-000000000000",
        "shardId-000000000001",
        "shardId-000000000002",
    ]
    # the ranges DescribeStream reports for a new three-shard stream
    assert [(s.starting_hash_key, s.ending_hash_key) for s in description.shards] == [
        (0, 113427455640312821154458202477256070484),
        (113427455640312821154458202477256070485, 226854911280625642308916404954512140969),
        (226854911280625642308916404954512140970, TOP),
    ]
    assert streams.names() == ["analytics"]


def test_the_md5_of_the_partition_key_picks_the_shard(streams: Streams) -> None:
    streams.create("s", shard_count=4)
    keys = [f"order-{i}" for i in range(40)] + ["é-ünïcode", "x" * 256]
    placed = {key: streams.put_record("s", key, key.encode()) for key in keys}
    for key, (shard, _sequence) in placed.items():
        assert shard == _expected_shard(key, 4), key
    assert len({shard for shard, _ in placed.values()}) == 4
    for shard in {shard for shard, _ in placed.values()}:
        read = [r.partition_key for r in streams.read("s", shard)]
        assert read == [k for k in keys if placed[k][0] == shard]


def test_an_explicit_hash_key_overrides_the_partition_key(streams: Streams) -> None:
    streams.create("s", shard_count=2)
    assert streams.put_record("s", "k", b"1", explicit_hash_key="0").shard_id == (
        "shardId-000000000000"
    )
    assert streams.put_record("s", "k", b"2", explicit_hash_key=str(TOP)).shard_id == (
        "shardId-000000000001"
    )
    assert streams.put_record("s", "k", b"3", explicit_hash_key=str(2**127)).shard_id == (
        "shardId-000000000001"
    )
    for bad in (str(2**128), "-1", "01", "abc"):
        with pytest.raises(StreamError) as error:
            streams.put_record("s", "k", b"x", explicit_hash_key=bad)
        assert error.value.code == "InvalidArgumentException"


def test_sequence_numbers_increase_per_shard_and_never_repeat(streams: Streams) -> None:
    streams.create("s", shard_count=2)
    results = [streams.put_record("s", f"key-{i % 7}", bytes([i])) for i in range(60)]
    numbers = [sequence for _, sequence in results]
    assert all(len(n) == 56 and n.isdigit() for n in numbers)
    assert len(set(numbers)) == len(numbers)
    for shard in {shard for shard, _ in results}:
        in_put_order = [int(seq) for s, seq in results if s == shard]
        assert in_put_order == sorted(in_put_order)
        assert len(set(in_put_order)) == len(in_put_order)
        read = streams.read("s", shard)
        assert [r.sequence_number for r in read] == [seq for s, seq in results if s == shard]
        assert [r.data for r in read] == [
            bytes([i]) for i, (s, _) in enumerate(results) if s == shard
        ]


def test_read_continues_after_a_sequence_number(streams: Streams, clock: ManualClock) -> None:
    streams.create("s")
    put = [streams.put_record("s", "k", f"{i}".encode()) for i in range(5)]
    shard = put[0].shard_id
    after = streams.read("s", shard, after_sequence=put[1].sequence_number, limit=2)
    assert [r.data for r in after] == [b"2", b"3"]
    assert after[0].approximate_arrival_timestamp == round(clock.now(), 3)
    assert after[0].stream == "s"
    assert after[0].shard_id == shard
    assert streams.read("s", shard, after_sequence=put[-1].sequence_number) == []


def test_put_records_keeps_request_order(streams: Streams) -> None:
    streams.create("s", shard_count=2)
    entries: list[PutRecordsEntry] = [
        {"Data": f"{i}".encode(), "PartitionKey": f"k{i % 3}"} for i in range(10)
    ]
    entries.append({"Data": b"last", "PartitionKey": "z", "ExplicitHashKey": "0"})
    results = streams.put_records("s", entries)
    assert [shard for shard, _ in results[:10]] == [
        _expected_shard(e["PartitionKey"], 2) for e in entries[:10]
    ]
    assert results[-1].shard_id == "shardId-000000000000"
    shard0 = [r.data for r in streams.read("s", "shardId-000000000000")]
    assert shard0 == [
        e["Data"] for e, r in zip(entries, results, strict=True) if r[0].endswith("0")
    ]


def test_put_records_is_all_or_nothing(streams: Streams) -> None:
    streams.create("s")
    with pytest.raises(StreamError):
        streams.put_records(
            "s", [{"Data": b"ok", "PartitionKey": "a"}, {"Data": b"bad", "PartitionKey": ""}]
        )
    assert streams.read("s", "shardId-000000000000") == []
    with pytest.raises(StreamError) as error:
        streams.put_records("s", [{"Data": b"", "PartitionKey": "a"}] * 501)
    assert error.value.code == "ValidationException"


def test_records_are_validated_as_kinesis_validates_them(streams: Streams) -> None:
    streams.create("s")
    for key in ("", "k" * 257):
        with pytest.raises(StreamError) as error:
            streams.put_record("s", key, b"x")
        assert error.value.code == "ValidationException"
    streams.put_record("s", "k", b"\0" * (1_048_576 - 1))  # data plus key: exactly 1 MiB
    with pytest.raises(StreamError):
        streams.put_record("s", "k", b"\0" * 1_048_576)
    with pytest.raises(StreamError) as error:
        streams.put_record("missing", "k", b"x")
    assert error.value.code == "ResourceNotFoundException"
    with pytest.raises(StreamError) as error:
        streams.read("s", "shardId-000000000001")
    assert error.value.code == "ResourceNotFoundException"


def test_create_is_idempotent_and_validated(streams: Streams) -> None:
    streams.create("s", shard_count=2)
    streams.put_record("s", "k", b"kept")
    streams.create("s", shard_count=2, retention_hours=72)
    assert streams.describe("s").retention_hours == 72
    assert sum(len(streams.read("s", s.shard_id)) for s in streams.describe("s").shards) == 1
    with pytest.raises(StreamError) as error:
        streams.create("s", shard_count=3)
    assert error.value.code == "ResourceInUseException"
    for kwargs in ({"retention_hours": 23}, {"retention_hours": 8761}, {"shard_count": 0}):
        with pytest.raises(StreamError):
            streams.create("t", **kwargs)
    with pytest.raises(StreamError):
        streams.create("bad name")
    assert streams.names() == ["s"]


def test_a_record_put_inside_a_transaction_is_rolled_back_with_it(
    streams: Streams, store: Store
) -> None:
    streams.create("s")

    def put_then_fail() -> None:
        with store.write() as conn:
            streams.put_record("s", "k", b"gone", conn=conn)
            raise RuntimeError

    with pytest.raises(RuntimeError):
        put_then_fail()
    with store.write() as conn:
        kept = streams.put_record("s", "k", b"kept", conn=conn)
    assert [r.sequence_number for r in streams.read("s", kept.shard_id)] == [kept.sequence_number]


def test_records_expire_after_the_retention_period(streams: Streams, clock: ManualClock) -> None:
    streams.create("day", retention_hours=24)
    streams.create("week", retention_hours=168)
    old = streams.put_record("day", "k", b"old")
    streams.put_record("week", "k", b"old")
    clock.advance(23 * 3600)
    streams.put_record("day", "k", b"new")
    assert streams.expire() == 0
    clock.advance(3600 + 1)
    assert streams.expire() == 1
    assert [r.data for r in streams.read("day", old.shard_id)] == [b"new"]
    assert [r.data for r in streams.read("week", old.shard_id)] == [b"old"]
    clock.advance(24 * 3600)
    assert streams.expire() == 1
    assert streams.read("day", old.shard_id) == []
    after = streams.put_record("day", "k", b"after")
    assert int(after.sequence_number) > int(old.sequence_number), "numbers are never reused"


def test_records_and_numbering_survive_reopening_the_store(tmp_path: Path) -> None:
    clock = ManualClock()
    path = tmp_path / "runtime.sqlite3"
    store = Store(path)
    first = Streams(store, clock)
    first.create("s", shard_count=2)
    put = first.put_record("s", "k", b"before")
    store.close()
    reopened = Store(path)
    second = Streams(reopened, clock)
    assert [r.data for r in second.read("s", put.shard_id)] == [b"before"]
    later = second.put_record("s", "k", b"after")
    assert int(later.sequence_number) > int(put.sequence_number)
    reopened.close()


def test_shard_iterators(streams: Streams, clock: ManualClock) -> None:
    streams.create("s")
    shard = "shardId-000000000000"
    put = []
    for i in range(4):
        put.append(streams.put_record("s", "k", f"{i}".encode()))
        clock.advance(10)

    def data(iterator: str, limit: int = 100) -> list[bytes]:
        return [r.data for r in streams.get_records(iterator, limit=limit).records]

    assert data(streams.get_shard_iterator("s", shard, "TRIM_HORIZON")) == [b"0", b"1", b"2", b"3"]
    at = streams.get_shard_iterator("s", shard, "AT_SEQUENCE_NUMBER", sequence_number=put[1][1])
    assert data(at) == [b"1", b"2", b"3"]
    after = streams.get_shard_iterator(
        "s", shard, "AFTER_SEQUENCE_NUMBER", sequence_number=put[1][1]
    )
    assert data(after) == [b"2", b"3"]
    arrived = streams.read("s", shard)[2].approximate_arrival_timestamp
    assert data(streams.get_shard_iterator("s", shard, "AT_TIMESTAMP", timestamp=arrived)) == [
        b"2",
        b"3",
    ]
    latest = streams.get_shard_iterator("s", shard, "LATEST")
    assert data(latest) == []
    streams.put_record("s", "k", b"4")
    assert data(latest) == [b"4"]

    first = streams.get_records(streams.get_shard_iterator("s", shard, "TRIM_HORIZON"), limit=2)
    assert [r.data for r in first.records] == [b"0", b"1"]
    assert first.millis_behind_latest == 30_000  # the last record read arrived 30 s ago
    rest = streams.get_records(first.next_shard_iterator)
    assert [r.data for r in rest.records] == [b"2", b"3", b"4"]
    assert rest.millis_behind_latest == 0
    assert streams.get_records(rest.next_shard_iterator).records == []

    clock.advance(301)
    with pytest.raises(StreamError) as error:
        streams.get_records(rest.next_shard_iterator)
    assert error.value.code == "ExpiredIteratorException"
    with pytest.raises(StreamError) as error:
        streams.get_records("not-an-iterator")
    assert error.value.code == "InvalidArgumentException"
    with pytest.raises(StreamError):
        streams.get_shard_iterator("s", shard, "AT_SEQUENCE_NUMBER")
