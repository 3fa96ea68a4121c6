"""Every HTTP API fuzzed from its OpenAPI document on the running system, a fixed-seed run of
about 100 cases each (``make fuzz`` runs the full one): no 5xx, every 4xx a problem naming the
field, every answer as documented, nothing written by a rejected request."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from ordermesh_platform.system import LocalSystem

from tests.e2e.conftest import start_system
from tests.fuzz.apis import APIS, Api
from tests.fuzz.harness import fuzz

CASES = 100


@pytest.fixture
def system(tmp_path: Path) -> Iterator[LocalSystem]:
    running = start_system(tmp_path)
    yield running
    running.stop()


@pytest.mark.parametrize("api", APIS, ids=[a.name for a in APIS])
def test_the_api_holds_under_generated_requests(
    api: Api, system: LocalSystem, tmp_path: Path
) -> None:
    result = fuzz(api, tmp_path / "state", system.url, CASES)
    assert result.cases >= CASES // 2, f"only {result.cases} requests were sent"
    assert result.failed == 0, "\n".join(result.failures)
