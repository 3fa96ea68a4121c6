"""Faults injected into the local runtime, for the chaos suite; off unless configured.

``ordermesh up`` reads a fault file only when ``ORDERMESH_FAULTS`` names one (the chaos suite
writes it in the state folder of the system it runs). Without one the runtime holds no injector,
and its sinks and handlers are the plain ones: a normal run pays nothing. The file (JSON)::

    {"seed": 7,
     "duplicateDelivery": true,                       every bus delivery made twice
     "functions": {"inventory-reserve-consumer":      a function's invocations fail or time out
                   {"failRate": 0.1, "timeoutRate": 0.1}},
     "stalls": [{"function": "payment-authorize-consumer",
                 "start": 1733400000.0, "end": 1733400090.0}],   stops answering (epoch seconds)
     "log": "/path/faults.jsonl"}                     one line per fault injected

A failure raises before the handler runs (nothing happened); a timeout runs the handler and
then raises as a timed-out call does (the work was done, the answer is lost), without waiting
the timeout out. During a stall a call waits for the stall's end, at most its timeout: if the
stall is still on, it times out having done nothing; if not, it runs late.
"""

from __future__ import annotations

import json
import random
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, TypeVar

from ordermesh_platform.shared.clock import Clock

Handler = Callable[[Any, Any], Any]
K = TypeVar("K")


class Deliver(Protocol):
    def deliver(self, conn: Any, target: Any, payload: str, event: Mapping[str, Any]) -> None: ...


class InjectedFaultError(RuntimeError):
    """A failure the fault injector made (a function's error, as its handler would raise)."""


class InjectedTimeoutError(InjectedFaultError):
    """A timeout the fault injector made: the call reports it timed out."""


@dataclass(frozen=True)
class FunctionFaults:
    fail_rate: float = 0.0
    timeout_rate: float = 0.0

    def __post_init__(self) -> None:
        rates = (self.fail_rate, self.timeout_rate)
        if not all(0 <= rate <= 1 for rate in rates) or sum(rates) > 1:
            raise ValueError("failRate and timeoutRate must be 0 to 1, at most 1 together")


@dataclass(frozen=True)
class Stall:
    function: str
    start: float  # epoch seconds
    end: float

    def __post_init__(self) -> None:
        if self.end <= self.start:
            raise ValueError("a stall ends after it starts")


@dataclass(frozen=True)
class FaultSettings:
    seed: int | None = None
    duplicate_delivery: bool = False
    functions: Mapping[str, FunctionFaults] = field(default_factory=dict)
    stalls: tuple[Stall, ...] = ()
    log: Path | None = None

    @classmethod
    def read(cls, path: Path) -> FaultSettings:
        """The settings in ``path``; ``ValueError`` naming the file and the field if wrong."""
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return cls.from_json(data)
        except (OSError, ValueError, TypeError, KeyError) as exc:
            raise ValueError(f"{path}: {exc}") from exc

    @classmethod
    def from_json(cls, data: Any) -> FaultSettings:
        if not isinstance(data, dict):
            raise TypeError("the fault settings must be a JSON object")
        unknown = set(data) - {"seed", "duplicateDelivery", "functions", "stalls", "log"}
        if unknown:
            raise ValueError(f"unknown fault settings: {', '.join(sorted(unknown))}")
        functions = {
            name: FunctionFaults(
                float(spec.get("failRate", 0.0)), float(spec.get("timeoutRate", 0.0))
            )
            for name, spec in data.get("functions", {}).items()
        }
        stalls = tuple(
            Stall(str(s["function"]), float(s["start"]), float(s["end"]))
            for s in data.get("stalls", [])
        )
        log = data.get("log")
        return cls(
            seed=data.get("seed"),
            duplicate_delivery=bool(data.get("duplicateDelivery", False)),
            functions=functions,
            stalls=stalls,
            log=Path(log) if log else None,
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "seed": self.seed,
            "duplicateDelivery": self.duplicate_delivery,
            "functions": {
                name: {"failRate": f.fail_rate, "timeoutRate": f.timeout_rate}
                for name, f in self.functions.items()
            },
            "stalls": [
                {"function": s.function, "start": s.start, "end": s.end} for s in self.stalls
            ],
            "log": str(self.log) if self.log else None,
        }


class FaultInjector:
    """Wraps the runtime's bus sinks and function handlers as its settings say."""

    def __init__(self, settings: FaultSettings, clock: Clock) -> None:
        self.settings = settings
        self.clock = clock
        self._rng = random.Random(settings.seed)  # noqa: S311 - a simulation, not secrets
        self._lock = threading.Lock()
        self.counts: dict[str, int] = {}
        # Line-buffered: each line reaches the file when written, so a killed process loses none.
        self._log = settings.log.open("a", encoding="utf-8", buffering=1) if settings.log else None

    def close(self) -> None:
        if self._log is not None:
            self._log.close()

    def sinks(self, sinks: Mapping[K, Deliver]) -> dict[K, Deliver]:
        """``sinks``, each delivering twice when duplicate delivery is on."""
        if not self.settings.duplicate_delivery:
            return dict(sinks)
        return {kind: _Twice(sink, self) for kind, sink in sinks.items()}

    def handler(self, name: str, handler: Handler) -> Handler:
        """``handler``, failing, timing out or stalling as the settings say for ``name``."""
        faults = self.settings.functions.get(name)
        stalls = tuple(s for s in self.settings.stalls if s.function == name)
        if faults is None and not stalls:
            return handler

        def faulty(event: Any, context: Any) -> Any:
            if stalls and self._stalled(name, stalls, context):
                raise InjectedTimeoutError(f"{name} stalled (injected): it did not answer")
            draw = self._draw()
            if faults is not None and draw < faults.fail_rate:
                self.record("function-failure", name)
                raise InjectedFaultError(f"{name} failed (injected)")
            result = handler(event, context)
            if faults is not None and draw < faults.fail_rate + faults.timeout_rate:
                self.record("function-timeout", name)
                raise InjectedTimeoutError(f"{name} timed out (injected) after doing its work")
            return result

        return faulty

    def _stalled(self, name: str, stalls: tuple[Stall, ...], context: Any) -> bool:
        """Wait out a stall that is on (at most the call's time left); whether it is still on."""
        now = self.clock.now()
        stall = next((s for s in stalls if s.start <= now < s.end), None)
        if stall is None:
            return False
        self.record("stall", name)
        left = context.get_remaining_time_in_millis() / 1000 if context is not None else 0.0
        self.clock.sleep(max(0.0, min(stall.end - now, left)))
        return self.clock.now() < stall.end

    def _draw(self) -> float:
        with self._lock:
            return self._rng.random()

    def record(self, kind: str, where: str) -> None:
        """Count a fault, and append it to the log file (which outlives a killed process)."""
        with self._lock:
            self.counts[kind] = self.counts.get(kind, 0) + 1
            if self._log is not None:
                line = json.dumps({"fault": kind, "where": where, "at": self.clock.now()})
                self._log.write(line + "\n")


class _Twice:
    """A bus sink that makes every delivery twice (EventBridge delivers at least once)."""

    def __init__(self, sink: Deliver, injector: FaultInjector) -> None:
        self.sink = sink
        self.injector = injector

    def deliver(self, conn: Any, target: Any, payload: str, event: Mapping[str, Any]) -> None:
        self.sink.deliver(conn, target, payload, event)
        self.sink.deliver(conn, target, payload, event)
        self.injector.record("duplicate-delivery", f"{target.kind}:{target.name}")


def read_fault_log(path: Path) -> dict[str, int]:
    """How many faults of each kind a fault log holds (a line cut short by a kill is skipped)."""
    counts: dict[str, int] = {}
    if not path.is_file():
        return counts
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            kind = json.loads(line)["fault"]
        except (ValueError, KeyError, TypeError):
            continue
        counts[kind] = counts.get(kind, 0) + 1
    return counts
