from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from ordermesh_platform.runtime.bus import entry_from_event
from ordermesh_platform.runtime.clock import ManualClock
from ordermesh_platform.runtime.functions import Functions
from ordermesh_platform.runtime.queues import Queues
from ordermesh_platform.runtime.store import Store
from tests.corpus import PROJECT_ROOT

EXAMPLES = PROJECT_ROOT / "contracts/schemas/order/OrderPlaced/examples/v2"


@pytest.fixture
def order_placed() -> dict[str, Any]:
    """A PutEvents entry of a valid OrderPlaced v2 (one line, in USD)."""
    return entry_from_event(json.loads((EXAMPLES / "single-line.json").read_text()))


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def store(tmp_path: Path) -> Store:
    store = Store(tmp_path / "state" / "runtime.sqlite3")
    yield store  # type: ignore[misc]
    store.close()


@pytest.fixture
def queues(store: Store, clock: ManualClock) -> Queues:
    return Queues(store, clock)


@pytest.fixture
def functions(store: Store, clock: ManualClock, queues: Queues) -> Functions:
    return Functions(store, clock, queues)
