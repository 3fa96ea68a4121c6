from __future__ import annotations

import json
from typing import Any

import pytest
from ordermesh_platform.runtime.bus import entry_from_event
from tests.corpus import PROJECT_ROOT

EXAMPLES = PROJECT_ROOT / "contracts/schemas/order/OrderPlaced/examples/v2"


@pytest.fixture
def order_placed() -> dict[str, Any]:
    """A PutEvents entry of a valid OrderPlaced v2 (one line, in USD)."""
    return entry_from_event(json.loads((EXAMPLES / "single-line.json").read_text()))
