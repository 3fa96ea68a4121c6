"""Orders through the whole saga on the local runtime, from POST /orders to a terminal state.

The system runs as ``ordermesh up`` runs it (``LocalSystem`` with the default runtime options,
inventory seeded from the catalog) in a child process, so the load generator does not share its
interpreter. The payment provider simulator (default settings) runs in the load generator's
process, standing for the external provider it is. Clients POST over HTTP on loopback with
keep-alive connections. An order is terminal when its OrderConfirmed or OrderCancelled event
reaches a queue that a rule on the bus fills and an observer in the system's process drains:
the moment any other consumer could see it.

(a) Throughput: a burst of orders, sent as fast as the clients can, from the first POST to the
last order's terminal event. (b) Latency: orders offered at a fixed rate on a schedule (open
loop: a slow answer does not delay the next send); latency is measured from the scheduled send,
so queueing behind a stall counts.

The mix: nine in ten orders confirm (one to three lines); one in ten has a card the provider
declines, so the saga compensates (releases the reservation) and the order is cancelled.
"""

from __future__ import annotations

import http.client
import json
import multiprocessing as mp
import os
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import reference
from ordermesh_platform.provider_settings import SimulatorSettings
from ordermesh_platform.provider_simulator import ProviderSimulator
from ordermesh_platform.runtime.server import BackgroundServer

ROOT = Path(__file__).resolve().parents[1]
# CPU per order in units of the reference workload (bench/reference.py), at most. The ratio at
# b3aa0c9, where issue 20 started: 12 runs of `bench/run.py --only orders` on 2026-12-05 between
# 12:52 and 13:04 UTC, nothing else of ours running, gave 0.189-0.280, mean 0.225, standard
# deviation 0.030 (13%). The target is that mean plus two standard deviations, which none of
# the 12 runs exceeded: one run cannot tell a smaller regression from this machine's noise
# (decision note orders-target-normalised).
TARGET_RATIO = 0.285
TARGET_P99 = 0.250  # seconds, at the offered rate below
OFFERED_SHARE = 0.5  # of the burst's orders/s, offered in the latency run
SPEED_DRIFT = 0.1  # the reference's two timings further apart than this are pointed out
BURST = 2_000  # orders in the throughput run
OFFERED_SECONDS = 30.0
WARM_UP = 100
CLIENTS = 8  # concurrent HTTP clients
DECLINED = 9  # the order in every ten whose card is declined
OUTCOMES_QUEUE = "bench-outcomes"
OUTCOME_PATTERN = {
    "source": ["ordermesh.order"],
    "detail-type": ["OrderConfirmed", "OrderCancelled"],
}
SKUS = (("BOOK-0001", "39.90"), ("BOOK-0002", "44.50"), ("MUG-0001", "12.00"))
ADDRESS = {"name": "Ada", "line1": "1 Main St", "city": "Berlin", "postalCode": "10115"}


# --- the system's process -------------------------------------------------------------------
def _serve(conn: Connection, state_dir: str, provider: tuple[str, str]) -> None:
    """Run the system and its outcome observer until the parent says stop."""
    from ordermesh_platform.runtime.bus import Rule, Target
    from ordermesh_platform.runtime.runtime import RuntimeOptions
    from ordermesh_platform.system import LocalSystem, SystemOptions

    options = RuntimeOptions(state_dir=Path(state_dir), function_logs=True)
    system = LocalSystem(ROOT, options, SystemOptions(provider_endpoint=provider)).start()
    runtime = system.runtime
    runtime.queues.create(OUTCOMES_QUEUE)
    target = Target("observer", "queue", OUTCOMES_QUEUE)
    runtime.add_rule(Rule("bench-outcomes", json.dumps(OUTCOME_PATTERN), (target,)))
    seen: dict[str, tuple[str, float]] = {}
    stop = threading.Event()
    wake = threading.Event()
    runtime.store.listen([f"queue:{OUTCOMES_QUEUE}"], wake)

    def observe() -> None:
        while not stop.is_set():
            wake.clear()
            messages = runtime.queues.receive(OUTCOMES_QUEUE, 10)
            now = time.monotonic()
            for message in messages:
                event = json.loads(message.body)
                seen[event["detail"]["data"]["orderId"]] = (event["detail-type"], now)
            if messages:
                runtime.queues.delete_batch(OUTCOMES_QUEUE, [m.receipt_handle for m in messages])
            else:
                wake.wait(0.05)

    observer = threading.Thread(target=observe, daemon=True)
    observer.start()
    conn.send(system.url)
    while (command := conn.recv()) != "stop":
        if command == "cpu":
            conn.send(_cpu_by_role())
            continue
        wanted = set(command)
        conn.send({order_id: seen[order_id] for order_id in wanted if order_id in seen})
    stop.set()
    observer.join()
    system.stop()


# Thread names in the system's process, by what the threads do (prefix -> role).
ROLES = (
    ("lambda", "handlers"),
    ("ordermesh:delivery", "delivery"),
    ("ordermesh:http", "HTTP"),
)


def _cpu_by_role() -> dict[str, float]:
    """CPU seconds this process has spent, by thread role; "other" holds the rest (the main
    thread, housekeeping, the outcome observer, threads that have ended)."""
    total = time.process_time()
    names = {thread.native_id: thread.name for thread in threading.enumerate()}
    ticks = os.sysconf("SC_CLK_TCK")
    spent: dict[str, float] = {}
    tasks = Path("/proc/self/task")
    for task in tasks.iterdir() if tasks.is_dir() else ():
        try:
            fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # the thread ended meanwhile
            continue
        name = names.get(int(task.name), "")
        role = next((r for prefix, r in ROLES if name.startswith(prefix)), None)
        if role is not None:
            spent[role] = spent.get(role, 0.0) + (int(fields[11]) + int(fields[12])) / ticks
    spent["other"] = max(total - sum(spent.values()), 0.0)
    return spent


# --- the load generator ---------------------------------------------------------------------
def order_body(i: int) -> dict[str, Any]:
    declined = i % 10 == DECLINED  # the simulator declines customer ids containing "declined"
    customer = f"cus_declinedbench{i:05d}" if declined else f"cus_bench{i:05d}"
    lines = [
        {"sku": sku, "quantity": 1 + (i + n) % 3, "unitPrice": {"amount": price, "currency": "EUR"}}
        for n, (sku, price) in enumerate(SKUS[: 1 + i % 3])
    ]
    return {
        "customerId": customer,
        "currency": "EUR",
        "lines": lines,
        "shippingAddress": {**ADDRESS, "country": "DE"},
    }


class Clients:
    """One keep-alive HTTP connection per client thread."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self._local = threading.local()

    def post_order(self, i: int) -> tuple[str, float]:
        """POST one order; its id and when the answer came."""
        conn: http.client.HTTPConnection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
        body = json.dumps(order_body(i))
        conn.request("POST", "/orders", body, {"content-type": "application/json"})
        response = conn.getresponse()
        answer = json.loads(response.read())
        if response.status != 202:  # noqa: PLR2004
            message = f"POST /orders answered {response.status}: {answer}"
            raise RuntimeError(message)
        return answer["orderId"], time.monotonic()


@dataclass
class Sent:
    order_id: str
    scheduled: float  # when it was due to be sent (monotonic)
    answered: float  # when the 202 came back


class System:
    """The system in a child process, asked for outcomes over a pipe."""

    def __init__(self, state_dir: Path) -> None:
        self.provider = ProviderSimulator(SimulatorSettings(api_key="sim_bench"))
        self.provider_server = BackgroundServer(self.provider.app).start()
        endpoint = (self.provider_server.url, "sim_bench")
        context = mp.get_context("spawn")
        self._conn, child = context.Pipe()
        self._process = context.Process(
            target=_serve, args=(child, str(state_dir), endpoint), daemon=True
        )
        self._process.start()
        self.url: str = self._receive()
        self.clients = Clients(self.url)

    def cpu(self) -> dict[str, float]:
        """CPU seconds the system's process has spent so far, by thread role."""
        self._conn.send("cpu")
        return dict(self._receive())

    def outcomes(self, order_ids: list[str]) -> dict[str, tuple[str, float]]:
        self._conn.send(order_ids)
        return dict(self._receive())

    def _receive(self) -> Any:
        """The child's next answer; an error, not a hang, if the child has died."""
        while not self._conn.poll(1.0):
            if not self._process.is_alive():
                message = f"the system's process ended (exit code {self._process.exitcode})"
                raise RuntimeError(message)
        return self._conn.recv()

    def wait_terminal(
        self, sent: list[Sent], timeout: float = 120.0
    ) -> dict[str, tuple[str, float]]:
        """Every sent order's outcome (detail-type, when observed); fails after ``timeout``."""
        deadline = time.monotonic() + timeout
        ids = [s.order_id for s in sent]
        while True:
            found = self.outcomes(ids)
            if len(found) == len(ids):
                return found
            if time.monotonic() > deadline:
                message = f"{len(ids) - len(found)} of {len(ids)} orders never settled"
                raise RuntimeError(message)
            time.sleep(0.2)

    def stop(self) -> None:
        self._conn.send("stop")
        self._process.join(60)
        self.provider_server.stop()


def send_burst(system: System, first: int, count: int) -> list[Sent]:
    """``count`` orders as fast as ``CLIENTS`` threads can send them."""
    start = time.monotonic()

    def one(i: int) -> Sent:
        order_id, answered = system.clients.post_order(i)
        return Sent(order_id, start, answered)

    with ThreadPoolExecutor(CLIENTS) as pool:
        return list(pool.map(one, range(first, first + count)))


def send_at_rate(system: System, first: int, rate: float, seconds: float) -> list[Sent]:
    """Orders due every ``1/rate`` seconds, each sent by a free client when due."""
    count = int(rate * seconds)
    start = time.monotonic() + 0.1

    def one(n: int) -> Sent:
        due = start + n / rate
        time.sleep(max(0.0, due - time.monotonic()))
        order_id, answered = system.clients.post_order(first + n)
        return Sent(order_id, due, answered)

    with ThreadPoolExecutor(CLIENTS * 2) as pool:
        return list(pool.map(one, range(count)))


@dataclass(frozen=True)
class Result:
    orders: int
    seconds: float  # first send to last terminal event
    latencies: list[float]  # scheduled send to terminal event, per order
    answers: list[float]  # scheduled send to the 202, per order
    outcomes: dict[str, int]

    @property
    def rate(self) -> float:
        return self.orders / self.seconds


def measure(system: System, sent: list[Sent]) -> Result:
    found = system.wait_terminal(sent)
    start = min(s.scheduled for s in sent)
    latencies = [found[s.order_id][1] - s.scheduled for s in sent]
    outcomes: dict[str, int] = {}
    for kind, _ in found.values():
        outcomes[kind] = outcomes.get(kind, 0) + 1
    end = max(at for _, at in found.values())
    return Result(
        len(sent), end - start, latencies, [s.answered - s.scheduled for s in sent], outcomes
    )


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


@contextmanager
def running_system() -> Iterator[System]:
    with tempfile.TemporaryDirectory() as tmp:
        system = System(Path(tmp) / "state")
        try:
            yield system
        finally:
            system.stop()


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms"


def _check_mix(result: Result) -> None:
    """Every run must end as the mix says: nine confirmed, one cancelled in ten."""
    for kind, share in (("OrderConfirmed", 0.9), ("OrderCancelled", 0.1)):
        if abs(result.outcomes.get(kind, 0) - share * result.orders) > 1:
            message = f"unexpected outcomes {result.outcomes} for {result.orders} orders"
            raise RuntimeError(message)


def _row(name: str, result: Result) -> str:
    outcomes = ", ".join(
        f"{n:,} {kind.removeprefix('Order').lower()}" for kind, n in sorted(result.outcomes.items())
    )
    p50, p99 = percentile(result.latencies, 0.5), percentile(result.latencies, 0.99)
    return (
        f"| {name} | {result.orders:,} | {outcomes} | {result.rate:,.0f} | {_ms(p50)} | "
        f"{_ms(p99)} | {_ms(max(result.latencies))} | {_ms(percentile(result.answers, 0.99))} |"
    )


@dataclass(frozen=True)
class Measured:
    """One run of the section: the burst, the latency runs after it and on a fresh system, the
    system's CPU seconds in the burst by thread role, and the reference workload's CPU (ms) just
    before and just after the burst."""

    burst: Result
    after: Result
    fresh: Result
    offered_rate: float
    cpu: dict[str, float]
    reference: tuple[float, float]

    @property
    def cpu_per_order(self) -> float:
        """Milliseconds of the system's CPU per order in the burst."""
        return sum(self.cpu.values()) * 1000 / self.burst.orders

    @property
    def ratio(self) -> float:
        """CPU per order in units of the reference workload: the lower of its two timings, so a
        passing slowdown of the machine while one of them ran excuses nothing."""
        return self.cpu_per_order / min(self.reference)


def burst_cpu(system: System, first: int) -> tuple[Result, dict[str, float], tuple[float, float]]:
    """A burst of ``BURST`` orders, the system's CPU seconds in it by role, and the reference
    workload timed just before and just after it (the system idle)."""
    before = reference.reference_ms()
    cpu_before = system.cpu()
    burst = measure(system, send_burst(system, first, BURST))
    cpu_after = system.cpu()
    after = reference.reference_ms()
    spent = {role: cpu_after.get(role, 0.0) - cpu_before.get(role, 0.0) for role in cpu_after}
    return burst, spent, (before, after)


def measure_orders() -> Measured:
    """A warm-up, the burst, then orders offered at ``OFFERED_SHARE`` of the burst's rate; then
    the same offered rate on a second system after the same warm-up."""
    with running_system() as system:
        measure(system, send_burst(system, 0, WARM_UP))
        burst, cpu, speed = burst_cpu(system, WARM_UP)
        rate = burst.rate * OFFERED_SHARE
        after = measure(system, send_at_rate(system, WARM_UP + BURST, rate, OFFERED_SECONDS))
    with running_system() as system:
        measure(system, send_burst(system, 0, WARM_UP))
        fresh = measure(system, send_at_rate(system, WARM_UP, rate, OFFERED_SECONDS))
    for result in (burst, after, fresh):
        _check_mix(result)
    return Measured(burst, after, fresh, rate, cpu, speed)


def _cpu_table(run: Measured) -> list[str]:
    """Where the system's process spent its CPU in the burst, per order."""
    order = [role for _, role in ROLES] + ["other"]
    before, after = run.reference
    drift = abs(after - before) / min(before, after)
    warning = (
        f" The two differ by {drift:.0%}: the machine's speed changed during the burst."
        if drift > SPEED_DRIFT
        else ""
    )
    return [
        (
            "CPU of the system's process in the burst (thread CPU by role, per order). The "
            "process holds one interpreter lock, so it uses about one core: orders/s is at most "
            "1,000 ms over the total. The last column is the total in units of the reference "
            f"workload ({reference.NAME}, `bench/reference.py`: the same work on every run), "
            f"which took {before:.1f} ms of CPU just before the burst and {after:.1f} ms just "
            f"after; the lower of the two is the unit.{warning}"
        ),
        "",
        "| " + " | ".join(order) + " | total | in reference units |",
        "| " + " | ".join("---:" for _ in order) + " | ---: | ---: |",
        "| "
        + " | ".join(f"{run.cpu.get(role, 0.0) * 1000 / run.burst.orders:.2f} ms" for role in order)
        + f" | {run.cpu_per_order:.2f} ms | {run.ratio:.3f} |",
    ]


def run() -> tuple[str, bool]:
    measured = measure_orders()
    burst = measured.burst
    p99 = max(percentile(r.latencies, 0.99) for r in (measured.after, measured.fresh))
    cpu_met, p99_met = measured.ratio <= TARGET_RATIO, p99 <= TARGET_P99
    offered = f"{measured.offered_rate:.0f} orders/s offered for {OFFERED_SECONDS:.0f} s"
    intro = __doc__.split("\n\n", 1)[1].strip()
    lines = [
        "## Orders through the saga",
        "",
        *(paragraph.replace("\n", " ") + "\n" for paragraph in intro.split("\n\n")),
        (
            f"Runs in this order: on one system a warm-up of {WARM_UP} orders, (a), then (b) at "
            f"{OFFERED_SHARE:.0%} of the rate (a) measured; on a second system the same warm-up "
            "and (b) at the same rate. Latencies are from the scheduled send to the terminal "
            "event; 202 p99 is the POST's own answer time."
        ),
        "",
        "| run | orders | outcomes | orders/s | p50 | p99 | max | 202 p99 |",
        "| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: |",
        _row(f"(a) burst of {BURST:,}, {CLIENTS} clients", burst),
        _row(f"(b) {offered}, after the burst", measured.after),
        _row(f"(b) {offered}, fresh system", measured.fresh),
        "",
        *_cpu_table(measured),
        "",
        (
            f"Targets: CPU per order at most {TARGET_RATIO:.3f} reference units: "
            f"**{measured.ratio:.3f} ({measured.cpu_per_order:.2f} ms), "
            f"{'met' if cpu_met else 'NOT met'}**; p99 at most {_ms(TARGET_P99)} with "
            f"{OFFERED_SHARE:.0%} of the burst's rate offered ({measured.offered_rate:.0f} "
            "orders/s, the worse of the two (b) runs): "
            f"**{_ms(p99)}, {'met' if p99_met else 'NOT met'}**. Beside them, no "
            f"target: **{burst.rate:,.0f} orders/s** in the burst. The lake's rules, delivery "
            "streams and flusher are on (the system as `ordermesh up` runs it); the CPU target "
            "is to hold with the analytics service's consumers too, once they exist."
        ),
    ]
    return "\n".join(lines), cpu_met and p99_met


if __name__ == "__main__":
    text, _ = run()
    print(text)
