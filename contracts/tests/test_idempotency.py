"""SqlitePersistenceLayer under powertools' own idempotency decorators."""

from __future__ import annotations

import json
import multiprocessing
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path
from typing import Any, cast

import pytest
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.idempotency import (
    IdempotencyConfig,
    idempotent,
    idempotent_function,
)
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyItemAlreadyExistsError,
    IdempotencyItemNotFoundError,
    IdempotencyKeyError,
    IdempotencyValidationError,
)
from aws_lambda_powertools.utilities.idempotency.persistence.datarecord import DataRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from ordermesh_contracts.idempotency import EVENT_ID, OncePerEvent, SqlitePersistenceLayer

Order = dict[str, Any]


class FakeContext(LambdaContext):
    """A Lambda context that only knows how much time the invocation has left."""

    def __init__(self, remaining_ms: int = 60_000) -> None:
        self.remaining_ms = remaining_ms

    def get_remaining_time_in_millis(self) -> int:  # type: ignore[override]
        return self.remaining_ms


def _config(**kwargs: Any) -> IdempotencyConfig:
    config = IdempotencyConfig(**kwargs)
    config.register_lambda_context(FakeContext())
    return config


def _sql(db: Path, sql: str, parameters: tuple[object, ...] = ()) -> list[dict[str, Any]]:
    """Run one statement on the database file through a connection of its own."""
    with closing(sqlite3.connect(db)) as conn, conn:
        conn.row_factory = sqlite3.Row
        return [dict(row) for row in conn.execute(sql, parameters)]


def _rows(db: Path, table: str = "idempotency") -> list[dict[str, Any]]:
    return _sql(db, f'SELECT * FROM "{table}"')  # noqa: S608


def _set_all(db: Path, **columns: object) -> None:
    """Overwrite columns of every stored record, as an earlier invocation would have left them."""
    assignments = ", ".join(f"{name} = ?" for name in columns)
    _sql(db, f"UPDATE idempotency SET {assignments}", tuple(columns.values()))  # noqa: S608


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "state" / "order-service.sqlite3"


@pytest.fixture
def layer(db: Path) -> Iterator[SqlitePersistenceLayer]:
    persistence = SqlitePersistenceLayer(db)
    yield persistence
    persistence.close()


def _idempotent(
    layer: SqlitePersistenceLayer, config: IdempotencyConfig
) -> Callable[[Callable[..., Order]], Callable[..., Any]]:
    """powertools' ``idempotent_function`` on the ``order`` keyword argument, typed."""
    return cast(
        "Callable[[Callable[..., Order]], Callable[..., Any]]",
        idempotent_function(data_keyword_argument="order", persistence_store=layer, config=config),
    )


def _place_order(
    layer: SqlitePersistenceLayer, config: IdempotencyConfig, runs: list[Order]
) -> Callable[..., Any]:
    """A decorated function that records each real run and returns an order confirmation."""

    @_idempotent(layer, config)
    def place_order(order: Order) -> Order:
        runs.append(order)
        return {"order_id": order["order_id"], "run": len(runs)}

    return place_order


def test_same_payload_returns_stored_result_without_running_again(
    layer: SqlitePersistenceLayer, db: Path
) -> None:
    runs: list[Order] = []
    place_order = _place_order(layer, _config(), runs)

    first = place_order(order={"order_id": "o-1", "qty": 2})
    second = place_order(order={"order_id": "o-1", "qty": 2})

    assert first == second == {"order_id": "o-1", "run": 1}
    assert len(runs) == 1
    [row] = _rows(db)
    assert row["status"] == "COMPLETED"
    assert json.loads(row["data"]) == {"order_id": "o-1", "run": 1}
    assert row["expiration"] > time.time() + 3500  # the default hour
    assert row["in_progress_expiration"] is not None


def test_different_payload_runs_again(layer: SqlitePersistenceLayer, db: Path) -> None:
    runs: list[Order] = []
    place_order = _place_order(layer, _config(), runs)

    assert place_order(order={"order_id": "o-1"}) == {"order_id": "o-1", "run": 1}
    assert place_order(order={"order_id": "o-2"}) == {"order_id": "o-2", "run": 2}

    assert len(runs) == 2
    assert len(_rows(db)) == 2


def test_event_key_jmespath_makes_other_fields_irrelevant(layer: SqlitePersistenceLayer) -> None:
    runs: list[Order] = []
    place_order = _place_order(layer, _config(event_key_jmespath="order_id"), runs)

    place_order(order={"order_id": "o-1", "note": "first"})
    replay = place_order(order={"order_id": "o-1", "note": "second"})

    assert replay == {"order_id": "o-1", "run": 1}
    assert len(runs) == 1


def test_payload_validation_mismatch_raises(layer: SqlitePersistenceLayer, db: Path) -> None:
    runs: list[Order] = []
    config = _config(event_key_jmespath="order_id", payload_validation_jmespath="qty")
    place_order = _place_order(layer, config, runs)

    place_order(order={"order_id": "o-1", "qty": 2})
    assert place_order(order={"order_id": "o-1", "qty": 2}) == {"order_id": "o-1", "run": 1}
    with pytest.raises(IdempotencyValidationError):
        place_order(order={"order_id": "o-1", "qty": 3})

    assert len(runs) == 1
    [row] = _rows(db)
    assert row["validation"]  # the hash of qty=2, which the mismatch left in place


def test_payload_validation_mismatch_on_in_progress_record_raises(
    layer: SqlitePersistenceLayer,
) -> None:
    config = _config(event_key_jmespath="order_id", payload_validation_jmespath="qty")
    raised: list[Exception] = []

    @_idempotent(layer, config)
    def place_order(order: Order) -> Order:
        if order["qty"] == 2:
            try:
                place_order(order={"order_id": order["order_id"], "qty": 3})
            except IdempotencyValidationError as exc:
                raised.append(exc)
        return order

    place_order(order={"order_id": "o-1", "qty": 2})

    assert len(raised) == 1


def test_expired_record_runs_again(layer: SqlitePersistenceLayer, db: Path) -> None:
    runs: list[Order] = []
    place_order = _place_order(layer, _config(expires_after_seconds=1), runs)
    place_order(order={"order_id": "o-1"})
    [row] = _rows(db)
    assert time.time() <= row["expiration"] <= time.time() + 2

    _set_all(db, expiration=int(time.time()) - 5)
    again = place_order(order={"order_id": "o-1"})

    assert again == {"order_id": "o-1", "run": 2}
    assert len(runs) == 2
    [row] = _rows(db)
    assert row["expiration"] >= time.time()
    assert json.loads(row["data"]) == again


def test_concurrent_in_progress_record_raises_already_in_progress(
    layer: SqlitePersistenceLayer, db: Path
) -> None:
    seen: list[Exception] = []
    rows_while_running: list[dict[str, Any]] = []

    @_idempotent(layer, _config())
    def place_order(order: Order) -> Order:
        rows_while_running.extend(_rows(db))
        try:
            place_order(order=order)  # the same order again while this run is in progress
        except IdempotencyAlreadyInProgressError as exc:
            seen.append(exc)
        return order

    assert place_order(order={"order_id": "o-1"}) == {"order_id": "o-1"}

    assert len(seen) == 1
    [row] = rows_while_running
    assert row["status"] == "INPROGRESS"
    assert row["data"] is None
    now_ms = time.time() * 1000
    assert now_ms < row["in_progress_expiration"] <= now_ms + 60_000


@pytest.mark.parametrize(
    ("in_progress_offset_ms", "takes_over"),
    [
        pytest.param(-1_000, True, id="invocation-timed-out"),
        pytest.param(60_000, False, id="invocation-still-running"),
        pytest.param(None, False, id="remaining-time-unknown"),
    ],
)
def test_in_progress_record_is_taken_over_only_after_its_invocation_timed_out(
    layer: SqlitePersistenceLayer, db: Path, in_progress_offset_ms: int | None, *, takes_over: bool
) -> None:
    runs: list[Order] = []
    place_order = _place_order(layer, _config(), runs)
    place_order(order={"order_id": "o-1"})
    in_progress_expiration = (
        None if in_progress_offset_ms is None else int(time.time() * 1000) + in_progress_offset_ms
    )
    _set_all(db, status="INPROGRESS", data=None, in_progress_expiration=in_progress_expiration)

    if takes_over:
        assert place_order(order={"order_id": "o-1"}) == {"order_id": "o-1", "run": 2}
        [row] = _rows(db)
        assert row["status"] == "COMPLETED"
    else:
        with pytest.raises(IdempotencyAlreadyInProgressError):
            place_order(order={"order_id": "o-1"})
    assert len(runs) == (2 if takes_over else 1)


def test_function_raising_deletes_record_so_retry_runs(
    layer: SqlitePersistenceLayer, db: Path
) -> None:
    attempts: list[Order] = []

    @_idempotent(layer, _config())
    def charge(order: Order) -> Order:
        attempts.append(order)
        if len(attempts) == 1:
            raise ConnectionError("payment provider unreachable")
        return {"charged": order["order_id"]}

    with pytest.raises(ConnectionError):
        charge(order={"order_id": "o-1"})
    assert _rows(db) == []

    assert charge(order={"order_id": "o-1"}) == {"charged": "o-1"}
    assert charge(order={"order_id": "o-1"}) == {"charged": "o-1"}
    assert len(attempts) == 2


def test_threads_with_the_same_key_run_the_function_once(layer: SqlitePersistenceLayer) -> None:
    threads = 8
    runs: list[Order] = []
    start = threading.Barrier(threads)
    outcomes: list[object] = []
    outcomes_lock = threading.Lock()

    @_idempotent(layer, _config())
    def place_order(order: Order) -> Order:
        runs.append(order)
        time.sleep(0.2)  # long enough for every other thread to find the record in progress
        return {"order_id": order["order_id"]}

    def call() -> None:
        start.wait()
        outcome: object
        try:
            outcome = place_order(order={"order_id": "o-1"})
        except IdempotencyAlreadyInProgressError as exc:
            outcome = exc
        with outcomes_lock:
            outcomes.append(outcome)

    workers = [threading.Thread(target=call) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()

    assert len(runs) == 1
    assert len(outcomes) == threads
    results = [o for o in outcomes if not isinstance(o, IdempotencyAlreadyInProgressError)]
    assert results == [{"order_id": "o-1"}] * len(results)
    assert len(results) >= 1
    assert place_order(order={"order_id": "o-1"}) == {"order_id": "o-1"}
    assert len(runs) == 1


_WORKER = """
import json, os, sys, time
from pathlib import Path
from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig, idempotent_function
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
)
from ordermesh_contracts.idempotency import EVENT_ID, OncePerEvent, SqlitePersistenceLayer

db, runs, ready, go = map(Path, sys.argv[1:5])
layer = SqlitePersistenceLayer(db)

@idempotent_function(
    data_keyword_argument="order", persistence_store=layer, config=IdempotencyConfig(),
    key_prefix="race",
)
def charge(order):
    with runs.open("a") as f:
        f.write(f"{os.getpid()}\\n")
    time.sleep(0.3)
    return {"charged": order["order_id"]}

ready.touch()
while not go.exists():
    time.sleep(0.001)
try:
    print(json.dumps(charge(order={"order_id": "o-1"})))
except IdempotencyAlreadyInProgressError:
    print("in-progress")
"""


def test_processes_with_the_same_key_run_the_function_once(tmp_path: Path, db: Path) -> None:
    processes = 4
    runs, go = tmp_path / "runs.txt", tmp_path / "go"
    ready = [tmp_path / f"ready-{i}" for i in range(processes)]
    workers = [
        subprocess.Popen(
            [sys.executable, "-W", "ignore", "-c", _WORKER, str(db), str(runs), str(r), str(go)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for r in ready
    ]
    deadline = time.monotonic() + 60
    while not all(r.exists() for r in ready) and time.monotonic() < deadline:
        time.sleep(0.01)
    go.touch()
    outputs = [worker.communicate(timeout=60) for worker in workers]

    assert [worker.returncode for worker in workers] == [0] * processes, outputs
    assert len(runs.read_text().splitlines()) == 1
    printed = {stdout.strip() for stdout, _ in outputs}
    assert printed <= {"in-progress", '{"charged": "o-1"}'}
    [row] = _rows(db)
    assert row["status"] == "COMPLETED"


def test_idempotent_lambda_handler(layer: SqlitePersistenceLayer, db: Path) -> None:
    invocations: list[dict[str, Any]] = []
    config = IdempotencyConfig(event_key_jmespath="powertools_json(body).order_id")

    @idempotent(persistence_store=layer, config=config)
    def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        invocations.append(event)
        order_id = json.loads(event["body"])["order_id"]
        return {"statusCode": 201, "body": order_id, "ms": context.get_remaining_time_in_millis()}

    context = FakeContext(remaining_ms=3_000)
    first = handler({"body": json.dumps({"order_id": "o-1", "try": 1})}, context)
    retry = handler({"body": json.dumps({"order_id": "o-1", "try": 2})}, context)

    assert first == retry == {"statusCode": 201, "body": "o-1", "ms": 3_000}
    assert len(invocations) == 1
    [row] = _rows(db)
    # The in-progress deadline came from the context: about 3 s after the call.
    assert row["in_progress_expiration"] <= time.time() * 1000 + 3_000


def test_get_record_of_unknown_key_raises_not_found(layer: SqlitePersistenceLayer) -> None:
    with pytest.raises(IdempotencyItemNotFoundError):
        layer._get_record("test-func.place_order#unknown")


def test_put_over_live_record_raises_with_the_existing_record(
    layer: SqlitePersistenceLayer,
) -> None:
    expiry = int(time.time()) + 600
    layer._put_record(DataRecord("k", status="INPROGRESS", expiry_timestamp=expiry))

    with pytest.raises(IdempotencyItemAlreadyExistsError) as raised:
        layer._put_record(DataRecord("k", status="INPROGRESS", expiry_timestamp=expiry + 60))

    old = raised.value.old_data_record
    assert old is not None
    assert (old.idempotency_key, old.status, old.expiry_timestamp) == ("k", "INPROGRESS", expiry)
    assert old.in_progress_expiry_timestamp is None
    assert layer._get_record("k").expiry_timestamp == expiry


def test_update_recreates_a_record_deleted_while_running(
    layer: SqlitePersistenceLayer, db: Path
) -> None:
    runs: list[Order] = []

    @_idempotent(layer, _config())
    def place_order(order: Order) -> Order:
        runs.append(order)
        assert layer.purge_expired(now=time.time() + 7200) == 1  # the in-progress record
        return order

    place_order(order={"order_id": "o-1"})
    assert place_order(order={"order_id": "o-1"}) == {"order_id": "o-1"}

    assert len(runs) == 1
    [row] = _rows(db)
    assert row["status"] == "COMPLETED"


def test_purge_expired_deletes_only_expired_records(layer: SqlitePersistenceLayer) -> None:
    now = int(time.time())
    for key, expiry in (("old", now - 10), ("edge", now), ("live", now + 10)):
        layer._put_record(DataRecord(key, status="COMPLETED", expiry_timestamp=expiry))

    assert layer.purge_expired(now) == 1
    assert layer.purge_expired(now) == 0

    with pytest.raises(IdempotencyItemNotFoundError):
        layer._get_record("old")
    assert layer._get_record("edge").expiry_timestamp == now
    assert layer._get_record("live").expiry_timestamp == now + 10
    assert layer.purge_expired(now + 1) == 1
    with pytest.raises(IdempotencyItemNotFoundError):
        layer._get_record("edge")
    assert layer._get_record("live").status == "COMPLETED"


def test_custom_table_name_and_wal_mode(db: Path) -> None:
    layer = SqlitePersistenceLayer(db, table_name="payment_idempotency")
    try:
        runs: list[Order] = []
        _place_order(layer, _config(), runs)(order={"order_id": "o-1"})
        assert len(_rows(db, "payment_idempotency")) == 1
        with sqlite3.connect(db) as conn:
            assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    finally:
        layer.close()


@pytest.mark.parametrize("table_name", ['x"; DROP TABLE orders; --', "1st", "", "a b"])
def test_table_name_must_be_a_plain_identifier(db: Path, table_name: str) -> None:
    with pytest.raises(ValueError, match="plain SQL identifier"):
        SqlitePersistenceLayer(db, table_name=table_name)


def test_each_thread_has_its_own_connection(layer: SqlitePersistenceLayer) -> None:
    main = layer._connection()
    other: list[sqlite3.Connection] = []
    thread = threading.Thread(target=lambda: other.append(layer._connection()))
    thread.start()
    thread.join()

    assert layer._connection() is main
    assert other[0] is not main


def _child_connection_is_new(layer: SqlitePersistenceLayer, parent_id: int) -> None:
    fresh = id(layer._connection()) != parent_id
    layer._put_record(DataRecord("from-child", status="COMPLETED", expiry_timestamp=2**40))
    sys.exit(0 if fresh else 1)


def test_forked_child_opens_its_own_connection(layer: SqlitePersistenceLayer) -> None:
    parent = layer._connection()
    child = multiprocessing.get_context("fork").Process(
        target=_child_connection_is_new, args=(layer, id(parent))
    )
    child.start()
    child.join(timeout=60)

    assert child.exitcode == 0
    assert layer._get_record("from-child").status == "COMPLETED"


# --- OncePerEvent: the queue consumers' use ---------------------------------------------------
def _record(event_id: str | None, message_id: str = "m-1") -> SQSRecord:
    metadata = {} if event_id is None else {"eventId": event_id}
    body = {"id": f"envelope-{message_id}", "detail": {"metadata": metadata, "data": {}}}
    return SQSRecord({"messageId": message_id, "body": json.dumps(body)})


def test_once_per_event_runs_each_event_once(layer: SqlitePersistenceLayer) -> None:
    runs: list[str] = []

    def handle(record: SQSRecord) -> dict[str, Any]:
        runs.append(record.message_id)
        return {"handled": record.message_id}

    once = OncePerEvent(handle, layer)
    once.register(FakeContext())
    first = once(_record("evt-1", "m-1"))
    again = once(_record("evt-1", "m-2"))  # a redelivery: another message, the same event
    other = once(_record("evt-2", "m-3"))
    assert runs == ["m-1", "m-3"]
    assert first == again == {"handled": "m-1"}
    assert other == {"handled": "m-3"}


def test_once_per_event_keys_are_those_of_the_record_path(
    layer: SqlitePersistenceLayer, db: Path
) -> None:
    """Records written by the utility keyed on ``EVENT_ID`` over the whole record (as before)
    still stop a redelivery: the key is the same."""
    runs: list[str] = []

    def handle(record: SQSRecord) -> str:
        runs.append(record.message_id)
        return "done"

    earlier = SqlitePersistenceLayer(db)  # a layer keeps the first configuration it is given
    config = _config(event_key_jmespath=EVENT_ID, raise_on_no_idempotency_key=True)
    by_path = idempotent_function(
        data_keyword_argument="record", persistence_store=earlier, config=config
    )(handle)
    by_path(record=_record("evt-1", "m-1"))
    earlier.close()
    once = OncePerEvent(handle, layer)
    once.register(FakeContext())
    assert once(_record("evt-1", "m-2")) == "done"
    assert runs == ["m-1"]


def test_once_per_event_refuses_a_record_without_an_event_id(
    layer: SqlitePersistenceLayer,
) -> None:
    runs: list[SQSRecord] = []

    def handle(record: SQSRecord) -> None:
        runs.append(record)

    once = OncePerEvent(handle, layer)
    once.register(FakeContext())
    with pytest.raises(IdempotencyKeyError):
        once(_record(None))
    with pytest.raises(IdempotencyKeyError):
        once(SQSRecord({"messageId": "m-1", "body": "not json"}))
    assert runs == []
