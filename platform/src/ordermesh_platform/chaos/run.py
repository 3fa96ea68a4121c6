"""A chaos run: the provider simulator in this process, the system as ``ordermesh up`` runs it in
a child process (faults through ``ORDERMESH_FAULTS``), the load generator in another, the timed
faults at their moments, then draining and the evidence for the invariants."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

from ordermesh_platform.chaos import invariants
from ordermesh_platform.chaos.evidence import gather, read_orders
from ordermesh_platform.chaos.scenario import (
    INVENTORY_FAILURE_RATE,
    INVENTORY_FUNCTIONS,
    INVENTORY_TIMEOUT_RATE,
    PROVIDER_FAILURE_RATE,
    STALLED_FUNCTION,
    Fault,
    Plan,
)
from ordermesh_platform.provider_settings import SimulatorSettings
from ordermesh_platform.provider_simulator import ProviderSimulator
from ordermesh_platform.runtime.faults import FaultSettings, FunctionFaults, read_fault_log
from ordermesh_platform.runtime.queues import QueueDepth
from ordermesh_platform.runtime.runtime import LocalRuntime, RuntimeOptions
from ordermesh_platform.runtime.server import BackgroundServer
from ordermesh_platform.system import ENDPOINTS

PROVIDER_TIMEOUT = 2.0  # the payment service's (SystemOptions.provider_timeout)
START_TIMEOUT = 90.0
DRAIN_TELL_EVERY = 10.0  # seconds between the drain's reports of what it waits for
Say = Callable[[str], None]


class ChaosError(RuntimeError):
    """A run that could not be made (the system did not start, say)."""


@dataclass
class RunResult:
    plan: Plan
    evidence: invariants.Evidence
    violations: dict[str, list[str]]
    faults: Counter[str] = field(default_factory=Counter)
    drain_seconds: float = 0.0
    drained: bool = True
    load_seconds: float = 0.0

    @property
    def outcomes(self) -> Counter[str]:
        return Counter(
            f"{o.status} {o.cancel_reason}" if o.cancel_reason else o.status
            for o in self.evidence.orders.values()
        )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ChaosRun:
    def __init__(self, root: Path, state: Path, plan: Plan, say: Say, drain_timeout: float) -> None:
        self.root, self.state, self.plan, self.say = root, state, plan, say
        self.drain_timeout = drain_timeout
        self.work = state / "chaos"
        self.record = self.work / "accepted.jsonl"
        self.fault_log = self.work / "faults.jsonl"
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.counts: Counter[str] = Counter()
        rate = PROVIDER_FAILURE_RATE if Fault.PROVIDER_FLAKY in plan.faults else 0.0
        self.provider = ProviderSimulator(
            SimulatorSettings(api_key="sim_chaos", transient_failure_rate=rate, seed=plan.seed)
        )
        self.provider_server = BackgroundServer(self.provider.app, "127.0.0.1", 0)
        self.outage: tuple[float, float] | None = None  # epoch seconds, down to recovered
        self._down_since: float | None = None
        self.child: subprocess.Popen[bytes] | None = None
        self._child_log: IO[bytes] | None = None

    # --- the system -------------------------------------------------------------------------
    def _fault_settings(self, began: float) -> FaultSettings:
        faults = self.plan.faults
        functions = {}
        if Fault.INVENTORY_FAULTS in faults:
            spec = FunctionFaults(INVENTORY_FAILURE_RATE, INVENTORY_TIMEOUT_RATE)
            functions = dict.fromkeys(INVENTORY_FUNCTIONS, spec)
        stalls: list[dict[str, object]] = []
        if self.plan.stall is not None:
            start, end = self.plan.stall
            stalls.append(
                {"function": STALLED_FUNCTION, "start": began + start, "end": began + end}
            )
        return FaultSettings.from_json(
            {
                "seed": self.plan.seed,
                "duplicateDelivery": Fault.DUPLICATE_DELIVERY in faults,
                "functions": {
                    n: {"failRate": f.fail_rate, "timeoutRate": f.timeout_rate}
                    for n, f in functions.items()
                },
                "stalls": stalls,
                "log": str(self.fault_log),
            }
        )

    def _start_system(self) -> None:
        (self.state / ENDPOINTS).unlink(missing_ok=True)
        self._child_log = (self.work / "up.log").open("ab")
        env = {
            **os.environ,
            "ORDERMESH_FAULTS": str(self.work / "faults.json"),
            "ORDERMESH_PROVIDER_API_KEY": "sim_chaos",
            "COLUMNS": "200",
        }
        command = [
            sys.executable, "-m", "ordermesh_platform.cli", "up",
            "--root", str(self.root), "--state-dir", str(self.state),
            "--port", str(self.port), "--provider-url", self.provider_server.url,
        ]  # fmt: skip
        self.child = subprocess.Popen(  # noqa: S603 - this interpreter, our own command
            command, env=env, stdout=self._child_log, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + START_TIMEOUT
        while not (self.state / ENDPOINTS).is_file():
            if self.child.poll() is not None or time.monotonic() > deadline:
                log = (self.work / "up.log").read_text(errors="replace")[-3000:]
                raise ChaosError(f"ordermesh up did not start:\n{log}")
            time.sleep(0.1)

    def _kill_and_restart(self) -> None:
        if self.child is None:
            raise ChaosError("no runtime to kill")
        self.child.send_signal(signal.SIGKILL)
        self.child.wait()
        self.counts["runtime killed (SIGKILL)"] += 1
        self.say(f"killed the runtime (pid {self.child.pid}); restarting on {self.state}")
        self._start_system()

    def _stop_system(self) -> None:
        if self.child is not None and self.child.poll() is None:
            self.child.send_signal(signal.SIGTERM)
            try:
                self.child.wait(30)
            except subprocess.TimeoutExpired:
                self.child.kill()
                self.child.wait()
        if self._child_log is not None:
            self._child_log.close()

    # --- the load and the timed faults ------------------------------------------------------
    def _start_load(self) -> subprocess.Popen[bytes]:
        command = [
            sys.executable, "-m", "ordermesh_platform.chaos.load", "--url", self.url,
            "--orders", str(self.plan.orders), "--rate", str(self.plan.rate),
            "--seed", str(self.plan.seed), "--out", str(self.record),
        ]  # fmt: skip
        if Fault.DOUBLE_SUBMIT in self.plan.faults:
            command.append("--double-submit")
        return subprocess.Popen(command)  # noqa: S603 - this interpreter, our own module

    def _timeline(self, began: float) -> list[tuple[float, str, Callable[[], None]]]:
        plan, events = self.plan, []
        if plan.outage is not None:
            start, end = plan.outage
            middle = (start + end) / 2
            events += [
                (start, "provider down (503s)", self._provider_down),
                (middle, "provider answers after the payment timeout", self._slow_provider),
                (end, "provider recovered", self._provider_recovered),
            ]
        if plan.replay_at is not None:
            events.append((plan.replay_at, "archive replay", lambda: self._replay(began)))
        events += [(at, "SIGKILL", self._kill_and_restart) for at in plan.kills]
        return sorted(events, key=lambda event: event[0])

    def _provider_down(self) -> None:
        self._down_since = time.time()
        self.provider.set_down(down=True)

    def _slow_provider(self) -> None:
        settings = self.provider.settings
        self.provider.update(
            SimulatorSettings(**{**vars(settings), "latency_seconds": PROVIDER_TIMEOUT + 1.0})
        )
        self.provider.set_down(down=False)

    def _provider_recovered(self) -> None:
        settings = self.provider.settings
        self.provider.update(SimulatorSettings(**{**vars(settings), "latency_seconds": 0.0}))
        self.counts["provider outage windows"] += 1
        if self._down_since is not None:
            self.outage = (self._down_since, time.time())

    def _replay(self, began: float) -> None:
        start = datetime.fromtimestamp(began, UTC).isoformat()
        command = [
            sys.executable, "-m", "ordermesh_platform.cli", "replay", f"chaos-{self.plan.seed}",
            "--from", start, "--root", str(self.root), "--state-dir", str(self.state),
        ]  # fmt: skip
        done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
        self.say(done.stdout.strip() or done.stderr.strip())
        replayed = [int(w) for w in done.stdout.split() if w.isdigit()]
        self.counts["events replayed from the archive"] += replayed[0] if replayed else 0

    # --- a run ------------------------------------------------------------------------------
    def run(self) -> RunResult:
        self.work.mkdir(parents=True, exist_ok=True)
        self.provider_server.start()
        try:
            return self._run()
        finally:
            self._stop_system()
            self.provider_server.stop()

    def _run(self) -> RunResult:
        began = time.time()
        settings = self._fault_settings(began)
        (self.work / "faults.json").write_text(json.dumps(settings.to_json(), indent=2) + "\n")
        self._start_system()
        self.say(f"system up on {self.url}; placing {self.plan.orders} orders")
        began = time.time()
        load = self._start_load()
        for at, what, act in self._timeline(began):
            while time.time() - began < at and load.poll() is None:
                time.sleep(0.1)
            self.say(f"{time.time() - began:6.1f} s  {what}")
            act()
        load.wait()
        load_seconds = time.time() - began
        self.say(f"load done in {load_seconds:.1f} s; draining")
        drain_start = time.monotonic()
        drained = self._drain()
        drain_seconds = time.monotonic() - drain_start
        self._stop_system()
        runtime = LocalRuntime.from_project(
            self.root, RuntimeOptions(state_dir=self.state, validate_contracts=False)
        )
        try:
            evidence = gather(self.state, self.root, self.record, self.provider.ledger(), runtime)
        finally:
            runtime.close()
        evidence.outage = self.outage
        self.say(f"drained in {drain_seconds:.1f} s; evidence read")
        return RunResult(
            plan=self.plan,
            evidence=evidence,
            violations=invariants.check(evidence),
            faults=self._fault_counts(),
            drain_seconds=drain_seconds,
            drained=drained,
            load_seconds=load_seconds,
        )

    def _fault_counts(self) -> Counter[str]:
        counts = Counter(self.counts)
        for kind, n in read_fault_log(self.fault_log).items():
            counts[f"injected: {kind}"] += n
        stats = self.provider.stats()
        counts["provider 503s"] += int(stats["transientFailures"])
        counts["provider calls while down"] += int(stats["callsWhileDown"])
        answers = Counter(json.loads(line)["key"] for line in self.record.read_text().splitlines())
        counts["orders submitted again (same key)"] += sum(n - 1 for n in answers.values())
        return Counter({k: v for k, v in counts.items() if v})

    def _drain(self) -> bool:
        """Wait until no order is PENDING and nothing is queued, running or buffered."""
        runtime = LocalRuntime.from_project(
            self.root, RuntimeOptions(state_dir=self.state, validate_contracts=False)
        )
        began = time.monotonic()
        deadline, told = began + self.drain_timeout, began
        try:
            while time.monotonic() < deadline:
                busy = self._busy(runtime)
                if not busy:
                    return True
                if time.monotonic() - told >= DRAIN_TELL_EVERY:
                    told = time.monotonic()
                    self.say(f"{told - began:6.1f} s  draining: {busy}")
                time.sleep(1.0)
            self.say(f"still busy after {self.drain_timeout:.0f} s: {self._busy(runtime)}")
            return False
        finally:
            runtime.close()

    def _busy(self, runtime: LocalRuntime) -> str:
        """What is still under way ('' when idle)."""
        pending = [o for o in read_orders(self.state / "order.sqlite").values()
                   if o.status == "PENDING"]  # fmt: skip
        if pending:
            return f"{len(pending)} orders PENDING"
        read = {c.settings.queue for c in runtime.queue_consumers}
        waiting = {name: runtime.queues.depth(name) for name in runtime.queues.names()}
        for name in busy_queues(waiting, read):
            return f"queue {name} holds messages"
        if runtime.functions.pending():
            return "async invocations pending"
        conn = runtime.store.connection()
        running = conn.execute("SELECT COUNT(*) FROM sfn_executions WHERE status = 'RUNNING'")
        if running.fetchone()[0]:
            return "saga executions running"
        if any(s.records_buffered for s in runtime.lake_status()):
            return "lake records buffered"
        return ""


def busy_queues(depths: Mapping[str, QueueDepth], read: Collection[str]) -> list[str]:
    """The queues the system itself reads (a consumer polls them) that still hold messages. A
    queue nobody in the system reads, a dead-letter queue or the on-call queue that alerts go
    to, is an inbox for people: what it holds is a result, not work under way."""
    return [
        name
        for name, depth in depths.items()
        if name in read and depth.visible + depth.in_flight + depth.delayed
    ]
