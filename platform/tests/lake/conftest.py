"""Lake fixtures: the catalog's delivery streams on a store with a manual clock, and a generated
lake shared by the SQL tests: orders over twelve days up to TODAY, written as the delivery streams
write them (several objects per partition)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from ordermesh_platform.lake.catalog import LakeCatalog
from ordermesh_platform.lake.dataset import write_events
from ordermesh_platform.lake.generate import generate_events
from ordermesh_platform.lake.project import LocalLake
from ordermesh_platform.runtime.bus import LocalEventBus
from ordermesh_platform.runtime.delivery_streams import DeliveryStreams
from ordermesh_platform.shared.clock import ManualClock
from ordermesh_platform.shared.store import Store
from tests.corpus import PROJECT_ROOT
from tests.lake.support import catalog_streams, lake_rules

TODAY = date(2026, 12, 4)
START = datetime(2026, 11, 23, tzinfo=UTC)  # twelve days, to the end of TODAY


@pytest.fixture
def lake(tmp_path: Path) -> Path:
    return tmp_path / "lake"


@pytest.fixture
def bus(store: Store, clock: ManualClock) -> LocalEventBus:
    """A bus with the lake's rules, its delivery streams fed from its archive."""
    created = LocalEventBus(store, clock, archive_fed=frozenset({"delivery-stream"}))
    for rule in lake_rules():
        created.put_rule(rule)
    return created


@pytest.fixture
def streams(store: Store, clock: ManualClock, lake: Path, bus: LocalEventBus) -> DeliveryStreams:
    created = DeliveryStreams(store, clock, lake, bus)
    for stream in catalog_streams():
        created.create(stream)
    return created


@pytest.fixture(scope="session")
def generated_events() -> list[dict[str, Any]]:
    return list(generate_events(seed=21, orders=3000, start=START, days=12))


@pytest.fixture(scope="session")
def generated_lake(
    tmp_path_factory: pytest.TempPathFactory, generated_events: list[dict[str, Any]]
) -> LocalLake:
    lake = LocalLake.of_project(PROJECT_ROOT, lake_dir=tmp_path_factory.mktemp("lake"))
    write_events(lake.lake_dir, lake.streams, generated_events, files_per_partition=3)
    return lake


@pytest.fixture
def catalog(generated_lake: LocalLake) -> Iterator[LakeCatalog]:
    with generated_lake.open() as opened:
        yield opened


@pytest.fixture
def empty_lake(tmp_path: Path) -> LocalLake:
    return LocalLake.of_project(PROJECT_ROOT, lake_dir=tmp_path / "lake")
