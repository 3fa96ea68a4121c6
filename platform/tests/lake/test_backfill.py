"""Backfill rebuilds the lake from the bus archive: a deleted object comes back with the same rows,
a second run changes nothing, no other target sees the events; ``ordermesh lake flush`` and
``backfill`` on the command line, and their bad input."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from ordermesh_platform.cli.lake_delivery import app
from ordermesh_platform.runtime.bus import entry_from_event
from ordermesh_platform.runtime.lake_backfill import backfill
from ordermesh_platform.runtime.runtime import LocalRuntime, RuntimeOptions
from ordermesh_platform.shared.clock import ManualClock
from tests.corpus import PROJECT_ROOT
from tests.lake.support import CATALOG, lake_ids, parquet_files
from typer.testing import CliRunner

EXAMPLES = [
    example
    for key, contract in sorted(CATALOG.contracts.items())
    if key.detail_type in ("OrderPlaced", "PaymentAuthorized")
    for _, example in contract.load_examples()
]
START = 1_767_225_600.0  # the manual clock's start: 2026-01-01T00:00:00Z


@pytest.fixture
def runtime(tmp_path: Path) -> Iterator[LocalRuntime]:
    options = RuntimeOptions(state_dir=tmp_path / "state")
    created = LocalRuntime.from_project(PROJECT_ROOT, options, clock=ManualClock(START))
    yield created
    created.close()


def _put_examples(runtime: LocalRuntime, rounds: int) -> None:
    for _ in range(rounds):
        for example in EXAMPLES:
            assert runtime.bus.put_events([entry_from_event(example)]).failed_entry_count == 0
            runtime.clock.sleep(7)  # over the 5 s interval: several objects per table
            runtime.delivery_streams.run_due()


def _pending_elsewhere(runtime: LocalRuntime) -> tuple[int, int, int]:
    """Work for other targets: async invokes, queue messages, stream records."""
    conn = runtime.store.connection()
    return (
        conn.execute("SELECT COUNT(*) FROM invocations").fetchone()[0],
        conn.execute("SELECT COUNT(*) FROM messages").fetchone()[0],
        conn.execute("SELECT COUNT(*) FROM stream_records").fetchone()[0],
    )


def test_backfill_rebuilds_a_deleted_object_and_a_second_run_changes_nothing(
    runtime: LocalRuntime, tmp_path: Path
) -> None:
    # Given a lake written from the bus, several objects per table
    _put_examples(runtime, rounds=3)
    runtime.delivery_streams.flush()
    lake = tmp_path / "state" / "lake"
    before = Counter(lake_ids(lake))
    assert len(before) == 3 * len(EXAMPLES)
    assert set(before.values()) == {1}
    elsewhere = _pending_elsewhere(runtime)
    # When one object is deleted and the lake backfilled from the archive
    deleted = parquet_files(lake)[1]
    lost = set(lake_ids(lake)) - {i for p in parquet_files(lake) if p != deleted for i in _ids(p)}
    deleted.unlink()
    end = runtime.clock.now() + 1
    assert sum(backfill(runtime.bus, runtime.delivery_streams, START, end).values()) == len(lost)
    runtime.delivery_streams.flush()
    # Then the tables hold the same rows, and so they do after a second run
    assert Counter(lake_ids(lake)) == before
    assert backfill(runtime.bus, runtime.delivery_streams, START, end) == {}
    runtime.delivery_streams.flush()
    assert Counter(lake_ids(lake)) == before
    assert _pending_elsewhere(runtime) == elsewhere, "only the delivery streams saw the events"


def _ids(path: Path) -> list[str]:
    return [str(i) for i in pq.read_table(path, columns=["id"]).column("id").to_pylist()]


def test_backfill_takes_only_the_time_range(runtime: LocalRuntime, tmp_path: Path) -> None:
    _put_examples(runtime, rounds=2)
    runtime.delivery_streams.flush()
    lake = tmp_path / "state" / "lake"
    for path in parquet_files(lake):
        path.unlink()
    middle = START + 7 * len(EXAMPLES)  # the second round's events
    backfill(runtime.bus, runtime.delivery_streams, middle, runtime.clock.now() + 1)
    runtime.delivery_streams.flush()
    archived = runtime.bus.archived(middle, runtime.clock.now() + 1)
    assert sorted(lake_ids(lake)) == sorted(e["id"] for e in archived)


# --- the command line ---------------------------------------------------------------------------
def _cli(*args: str, state: Path) -> tuple[int, str]:
    result = CliRunner().invoke(
        app,
        [*args, "--root", str(PROJECT_ROOT), "--state-dir", str(state)],
        env={"COLUMNS": "200"},  # the status table's stream names in full
    )
    return result.exit_code, result.output


def _status_row(output: str, stream: str) -> list[str]:
    """The figures ``lake status`` prints for ``stream``."""
    (line,) = [line for line in output.splitlines() if f" {stream} " in line]
    return line.replace("│", " ").split()[1:]


def test_flush_and_backfill_on_the_command_line(tmp_path: Path) -> None:
    state = tmp_path / "state"
    runtime = LocalRuntime.from_project(PROJECT_ROOT, RuntimeOptions(state_dir=state))
    try:
        ids = [
            runtime.bus.put_events([entry_from_event(example)]).entries[0].event_id
            for example in EXAMPLES
        ]
    finally:
        runtime.close()
    code, output = _cli("status", state=state)
    assert code == 0, output
    assert _status_row(output, "ordermesh-lake-order-placed-v2") == ["2", "0", "0", "0", "0"]
    code, output = _cli("flush", state=state)
    assert code == 0, output
    assert "ordermesh-lake-order-placed-v2: 2 record(s) written" in output
    row = _status_row(_cli("status", state=state)[1], "ordermesh-lake-order-placed-v2")
    assert row[:4] == ["0", "1", "2", "0"]
    (written,) = [p for p in parquet_files(state / "lake") if "version=2" in p.parts]
    assert int(row[4].replace(",", "")) == written.stat().st_size
    assert sorted(lake_ids(state / "lake")) == sorted(ids)
    for path in parquet_files(state / "lake"):
        path.unlink()
    code, output = _cli("backfill", "--from", "2000-01-01", state=state)
    assert code == 0, output
    assert f"{len(ids)} archived event(s)" in output
    assert sorted(lake_ids(state / "lake")) == sorted(ids)
    assert _cli("backfill", "--from", "2000-01-01", state=state)[0] == 0
    assert sorted(lake_ids(state / "lake")) == sorted(ids)
    assert "nothing buffered" in _cli("flush", state=state)[1]


@pytest.mark.parametrize(
    ("args", "option", "reason"),
    [
        (["--from", "yesterday"], "--from", "'yesterday' is not a time"),
        (["--from", "2026-12-05", "--to", "2026-13-01"], "--to", "is not a time"),
        (["--from", "2026-12-05", "--to", "2026-12-04"], "--to", "is not after --from"),
    ],
)
def test_backfill_says_which_option_is_wrong_and_why(
    args: list[str], option: str, reason: str, tmp_path: Path
) -> None:
    code, output = _cli("backfill", *args, state=tmp_path / "state")
    assert code == 2
    text = " ".join(output.replace("│", " ").split())
    assert option in text, text
    assert reason in text, text
    assert not (tmp_path / "state").exists(), "nothing was opened"
