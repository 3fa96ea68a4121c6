from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from ordermesh_platform.runtime.bus import LocalEventBus, entry_from_event
from ordermesh_platform.runtime.functions import Functions, FunctionSettings
from ordermesh_platform.runtime.queues import Queues
from ordermesh_platform.runtime.server import BackgroundServer
from ordermesh_platform.runtime.streams import Streams
from ordermesh_platform.runtime.topics import Topics
from ordermesh_platform.runtime.wire import aws_app
from ordermesh_platform.shared.clock import ManualClock
from ordermesh_platform.shared.store import Store
from tests.corpus import PROJECT_ROOT
from tests.runtime.sns_endpoint import QUEUES, aws_client

EXAMPLES = PROJECT_ROOT / "contracts/schemas/order/OrderPlaced/examples/v2"


@pytest.fixture
def order_placed() -> dict[str, Any]:
    """A PutEvents entry of a valid OrderPlaced v2 (one line, in USD)."""
    return entry_from_event(json.loads((EXAMPLES / "single-line.json").read_text()))


# --- the SNS endpoint (test_sns_wire*.py) ------------------------------------------------------


@pytest.fixture
def topics(store: Store, clock: ManualClock, queues: Queues, functions: Functions) -> Topics:
    """Topics over two queues (``QUEUES``) and a function ``log``."""
    for name in QUEUES:
        queues.create(name)
    functions.register("log", FunctionSettings(handler="x:y"), lambda _e, _c: None)
    return Topics(store, clock, queues, functions)


@pytest.fixture
def server(store: Store, clock: ManualClock, topics: Topics) -> Iterator[BackgroundServer]:
    """The runtime's AWS endpoint (EventBridge and SNS) on loopback."""
    with BackgroundServer(aws_app(LocalEventBus(store, clock), topics=topics)) as running:
        yield running


@pytest.fixture
def sns(server: BackgroundServer) -> Any:
    return aws_client(server.url)


# --- the stream consumer (test_stream_consumer_*.py) -------------------------------------------


@pytest.fixture
def streams(store: Store, clock: ManualClock) -> Streams:
    """Streams holding ``events``, of one shard (test_streams.py has its own, with none)."""
    streams = Streams(store, clock)
    streams.create("events", shard_count=1)
    return streams
