"""Step Functions engine test fixtures: the recording Task integration and the engine over
the store and the manual clock (test_cli.py and test_wire.py make their own ``sfn``)."""

from __future__ import annotations

import pytest
from ordermesh_platform.sfn.engine import StepFunctions
from ordermesh_platform.shared.clock import ManualClock
from ordermesh_platform.shared.store import Store
from tests.sfn.engine_support import RecordingIntegrations


@pytest.fixture
def calls() -> RecordingIntegrations:
    return RecordingIntegrations()


@pytest.fixture
def sfn(store: Store, clock: ManualClock, calls: RecordingIntegrations) -> StepFunctions:
    return StepFunctions(store, clock, calls)
