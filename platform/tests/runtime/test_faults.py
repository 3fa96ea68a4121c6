"""The chaos suite's fault injector: off, it changes nothing; on, each fault does what it says."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from ordermesh_platform.runtime.faults import (
    FaultInjector,
    FaultSettings,
    FunctionFaults,
    InjectedFaultError,
    InjectedTimeoutError,
    Stall,
    read_fault_log,
)
from ordermesh_platform.shared.clock import ManualClock


class Recorder:
    def __init__(self) -> None:
        self.calls: list[str] = []

    def deliver(self, conn: Any, target: Any, payload: str, event: Any) -> None:
        del conn, target, event
        self.calls.append(payload)

    def handle(self, event: Any, context: Any) -> str:
        del context
        self.calls.append(event)
        return "done"


class Target:
    kind, name = "queue", "q"


def test_without_faults_the_sinks_and_handlers_are_the_plain_ones() -> None:
    injector = FaultInjector(FaultSettings(), ManualClock())
    sink, handler = Recorder(), Recorder().handle

    assert injector.sinks({"queue": sink}) == {"queue": sink}
    assert injector.handler("inventory-reserve-consumer", handler) is handler


def test_duplicate_delivery_delivers_every_event_twice_and_logs_it(tmp_path: Path) -> None:
    log = tmp_path / "faults.jsonl"
    injector = FaultInjector(FaultSettings(duplicate_delivery=True, log=log), ManualClock())
    sink = Recorder()

    injector.sinks({"queue": sink})["queue"].deliver(None, Target(), "e1", {})
    injector.close()

    assert sink.calls == ["e1", "e1"]
    assert read_fault_log(log) == {"duplicate-delivery": 1}


def test_a_failure_runs_nothing_and_a_timeout_runs_the_handler_then_raises() -> None:
    always_fail = FaultSettings(functions={"f": FunctionFaults(fail_rate=1.0)})
    always_time_out = FaultSettings(functions={"f": FunctionFaults(timeout_rate=1.0)})
    recorder = Recorder()

    with pytest.raises(InjectedFaultError):
        FaultInjector(always_fail, ManualClock()).handler("f", recorder.handle)("a", None)
    assert recorder.calls == []
    with pytest.raises(InjectedTimeoutError):
        FaultInjector(always_time_out, ManualClock()).handler("f", recorder.handle)("b", None)
    assert recorder.calls == ["b"]


def test_failure_rates_are_drawn_from_the_seed() -> None:
    settings = FaultSettings(seed=5, functions={"f": FunctionFaults(fail_rate=0.3)})

    def failures() -> int:
        handler = FaultInjector(settings, ManualClock()).handler("f", Recorder().handle)
        failed = 0
        for i in range(1000):
            try:
                handler(i, None)
            except InjectedFaultError:
                failed += 1
        return failed

    assert failures() == failures()
    assert 250 < failures() < 350


class Context:
    def __init__(self, left: float) -> None:
        self.left = left

    def get_remaining_time_in_millis(self) -> int:
        return int(self.left * 1000)


def test_a_stall_times_out_the_call_until_it_ends_then_the_call_runs_late() -> None:
    clock = ManualClock(start=1000.0)
    stall = Stall("f", start=1000.0, end=1030.0)
    recorder = Recorder()
    handler = FaultInjector(FaultSettings(stalls=(stall,)), clock).handler("f", recorder.handle)

    with pytest.raises(InjectedTimeoutError):
        handler("early", Context(left=10))  # waits its 10 s out, the stall still on
    assert (clock.now(), recorder.calls) == (1010.0, [])
    clock.advance(15)
    assert handler("late", Context(left=10)) == "done"  # waits 5 s for the stall's end
    assert (clock.now(), recorder.calls) == (1030.0, ["late"])


def test_fault_settings_are_read_from_their_file_and_bad_ones_are_named(tmp_path: Path) -> None:
    path = tmp_path / "faults.json"
    settings = FaultSettings(
        seed=1,
        duplicate_delivery=True,
        functions={"f": FunctionFaults(0.1, 0.1)},
        stalls=(Stall("f", 1.0, 2.0),),
        log=tmp_path / "log",
    )
    path.write_text(json.dumps(settings.to_json()))
    assert FaultSettings.read(path) == settings

    path.write_text(json.dumps({"functions": {"f": {"failRate": 2}}}))
    with pytest.raises(ValueError, match=r"faults\.json: failRate and timeoutRate must be 0 to 1"):
        FaultSettings.read(path)
    path.write_text(json.dumps({"duplicate": True}))
    with pytest.raises(ValueError, match="unknown fault settings: duplicate"):
        FaultSettings.read(path)
