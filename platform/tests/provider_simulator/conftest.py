"""Provider simulator test fixtures: a seeded simulator, and a factory for simulators with given
settings, each served on loopback and stopped at the end."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from ordermesh_platform.provider_settings import SimulatorSettings
from ordermesh_platform.provider_simulator import ProviderSimulator
from tests.provider_simulator.support import Provider, serve


@pytest.fixture
def provider() -> Iterator[Provider]:
    yield from serve(ProviderSimulator(SimulatorSettings(seed=7)))


@pytest.fixture
def make_provider() -> Iterator[Any]:
    """Start a simulator with given settings (and clock, sleep); all stopped at the end."""
    running: list[Iterator[Provider]] = []

    def make(settings: SimulatorSettings, **options: Any) -> Provider:
        served = serve(ProviderSimulator(settings, **options))
        running.append(served)
        return next(served)

    yield make
    for served in running:
        next(served, None)
