"""Lake fixtures: the catalog's delivery streams on a store with a manual clock."""

from __future__ import annotations

from pathlib import Path

import pytest
from ordermesh_platform.runtime.delivery_streams import DeliveryStreams
from ordermesh_platform.shared.clock import ManualClock
from ordermesh_platform.shared.store import Store
from tests.lake.support import catalog_streams


@pytest.fixture
def lake(tmp_path: Path) -> Path:
    return tmp_path / "lake"


@pytest.fixture
def streams(store: Store, clock: ManualClock, lake: Path) -> DeliveryStreams:
    created = DeliveryStreams(store, clock, lake)
    for stream in catalog_streams():
        created.create(stream)
    return created
