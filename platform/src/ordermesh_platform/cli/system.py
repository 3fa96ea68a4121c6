"""``ordermesh up``, ``seed``, ``demo`` and ``openapi``: the whole system on this machine."""

from __future__ import annotations

import json
import signal
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path
from types import FrameType
from typing import Annotated, Any

import typer
from ordermesh_contracts.check import check_project
from ordermesh_contracts.cli import print_problems
from rich.progress import Progress
from rich.table import Table

from ordermesh_platform.cli.common import (
    RootOption,
    StateOption,
    console,
    err_console,
    find_project,
    open_runtime,
)
from ordermesh_platform.runtime.faults import FaultSettings
from ordermesh_platform.runtime.http_api import call
from ordermesh_platform.runtime.runtime import RuntimeOptions
from ordermesh_platform.runtime.wiring import WiringError
from ordermesh_platform.shared.store import DEFAULT_DIR
from ordermesh_platform.system import CATALOG, LocalSystem, SystemOptions

DEFAULT_PORT = 8740
DEFAULT_URL = f"http://127.0.0.1:{DEFAULT_PORT}"


def up(
    root: RootOption = None,
    state_dir: StateOption = None,
    host: Annotated[str, typer.Option(help="Address to serve on.")] = "127.0.0.1",
    port: Annotated[
        int, typer.Option(help="Port of the HTTP APIs and the AWS endpoints (0: any).")
    ] = DEFAULT_PORT,
    provider_port: Annotated[
        int, typer.Option(help="Port of the payment provider simulator (0: any).")
    ] = 0,
    retry_base_delay: Annotated[
        float, typer.Option(help="Async invoke back-off base, seconds.")
    ] = 60.0,
    lake_dir: Annotated[
        Path | None,
        typer.Option("--lake-dir", help="The data lake's folder (default: <state-dir>/lake)."),
    ] = None,
    provider_url: Annotated[
        str | None,
        typer.Option(help="Use the payment provider at this URL instead of the simulator."),
    ] = None,
    provider_api_key: Annotated[
        str | None,
        typer.Option(envvar="ORDERMESH_PROVIDER_API_KEY", help="The --provider-url's API key."),
    ] = None,
    faults: Annotated[
        Path | None,
        typer.Option(envvar="ORDERMESH_FAULTS", hidden=True, help="The chaos suite's faults."),
    ] = None,
) -> None:
    """Start the system: bus, queues, saga engine, the services and their HTTP APIs, and the
    payment provider simulator; inventory is seeded from the catalog."""
    project = find_project(root)
    problems = check_project(project)
    print_problems(problems)
    if problems:
        raise typer.Exit(1)
    endpoint = _provider_endpoint(provider_url, provider_api_key)
    options = RuntimeOptions(
        state_dir=state_dir or project.root / DEFAULT_DIR,
        retry_base_delay=retry_base_delay,
        function_logs=True,  # handlers' logs and metrics go to <state>/logs, as to CloudWatch
        lake_dir=lake_dir,
        faults=_fault_settings(faults),
    )
    system_options = SystemOptions(
        host=host, port=port, provider_port=provider_port, provider_endpoint=endpoint
    )
    try:
        system = LocalSystem(project.root, options, system_options)
    except WiringError as exc:
        err_console.print(f"[red]✗[/red] {exc.where}: {exc.reason}")
        raise typer.Exit(1) from exc
    except OSError as exc:
        ports = f"{host}:{port}" + (f" or {host}:{provider_port}" if provider_port else "")
        err_console.print(f"[red]✗[/red] cannot serve on {ports}: {exc.strerror or exc}")
        raise typer.Exit(1) from exc
    system.start()
    _print_urls(system)
    sys.stdout.flush()
    stopping = threading.Event()

    def _stop(_signum: int, _frame: FrameType | None) -> None:
        stopping.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    stopping.wait()
    console.print("stopping…")
    system.stop()


def _provider_endpoint(url: str | None, api_key: str | None) -> tuple[str, str] | None:
    if url is None:
        return None
    if not api_key:
        raise typer.BadParameter(
            "--provider-url needs the provider's API key (ORDERMESH_PROVIDER_API_KEY)",
            param_hint="--provider-api-key",
        )
    return url, api_key


def _fault_settings(path: Path | None) -> FaultSettings | None:
    """The chaos suite's faults (``ORDERMESH_FAULTS`` names their file), else None."""
    if path is None:
        return None
    try:
        return FaultSettings.read(path)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="ORDERMESH_FAULTS") from exc


def _print_urls(system: LocalSystem) -> None:
    table = Table("route", "function", title="HTTP APIs")
    for route in system.runtime.routes:
        table.add_row(route.route_key, route.function)
    console.print(table)
    url = system.url
    console.print(
        f"[green]✓[/green] ordermesh is up on {url}\n"
        f"  orders     {url}/orders        (OpenAPI: {url}/openapi/order.json)\n"
        f"  inventory  {url}/inventory/{{sku}}\n"
        f"  sagas      {url}/sagas\n"
        f"  analytics  {url}/analytics/kpis?metric=orders_placed (OpenAPI: "
        f"{url}/openapi/analytics.json)\n"
        f"  dashboard  {url}/dashboard (KPIs, anomalies, DLQs, breakers, consumer lag)\n"
        f"  AWS APIs   {url} (EventBridge, Step Functions: --endpoint-url)\n"
        f"  provider   {system.provider_url} (payment provider simulator)\n"
        f"  state      {system.runtime.store.path.parent}\n"
        f"  logs       {system.runtime.store.path.parent / 'logs'}/<function>.log\n"
        f"  lake       {system.runtime.delivery_streams.lake} (Parquet, as in its S3 bucket)\n"
        f"try: curl -s -X POST {url}/orders -H 'content-type: application/json' "
        f"-d @catalog/example-order.json",
        soft_wrap=True,
    )


def seed(
    catalog: Annotated[
        Path | None, typer.Option(help="Catalog file (default: catalog/products.json).")
    ] = None,
    root: RootOption = None,
    state_dir: StateOption = None,
) -> None:
    """Create inventory for every catalog SKU not seen before (stock already there is kept)."""
    runtime = open_runtime(root, state_dir, function_logs=True)
    path = catalog or find_project(root).root / CATALOG
    try:
        items = json.loads(path.read_text(encoding="utf-8"))["items"]
        status, body = call(
            runtime.functions, runtime.routes, "POST", "/inventory/seed", {"items": items}
        )
    except (OSError, ValueError, KeyError) as exc:
        raise typer.BadParameter(f"cannot read {path}: {exc}", param_hint="--catalog") from exc
    finally:
        runtime.close()
    if status != 200:  # noqa: PLR2004
        err_console.print(f"[red]✗[/red] seeding failed ({status}): {json.dumps(body)}")
        raise typer.Exit(1)
    console.print(
        f"[green]✓[/green] {len(body['created'])} SKU(s) created, "
        f"{len(body['unchanged'])} already stocked"
    )


# --- demo ---------------------------------------------------------------------------------------
ADDRESS = {"name": "Ada", "line1": "1 Main St", "city": "Berlin", "postalCode": "10115"}


def demo_orders(count: int) -> list[tuple[str, dict[str, Any]]]:
    """A mix: mostly orders that confirm, some declined cards, some out of stock."""
    mix: list[tuple[str, dict[str, Any]]] = []
    for i in range(count):
        kind = ("confirms", "confirms", "confirms", "declined card", "out of stock")[i % 5]
        customer = "cus_declinedfunds1" if kind == "declined card" else f"cus_demo{i:04d}"
        sku, quantity, price = ("BOOK-0001", 1 + i % 3, "39.90")
        if kind == "out of stock":
            sku, quantity, price = ("LIMITED-01", 1000, "250.00")
        line = {"sku": sku, "quantity": quantity, "unitPrice": {"amount": price, "currency": "EUR"}}
        body = {
            "customerId": customer,
            "currency": "EUR",
            "lines": [line],
            "shippingAddress": {**ADDRESS, "country": "DE"},
        }
        mix.append((kind, body))
    return mix


def _request(url: str, body: Any = None) -> tuple[int, Any]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(  # noqa: S310 - the URL is the user's local runtime
        url, data=data, headers={"content-type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null")


def demo(
    orders: Annotated[int, typer.Option(help="How many orders to place.")] = 25,
    url: Annotated[str, typer.Option(help="Where `ordermesh up` serves.")] = DEFAULT_URL,
    wait: Annotated[float, typer.Option(help="Seconds to wait for every saga to end.")] = 30.0,
    scenario: Annotated[
        str | None,
        typer.Option(
            help="Stage an incident until its alert arrives: payment-outage, traffic-drop, "
            "traffic-surge, order-value-jump or stock-out."
        ),
    ] = None,
    seed: Annotated[int | None, typer.Option(help="Seed of the scenario's orders.")] = None,
    timeout: Annotated[float, typer.Option(help="Seconds to wait for the alert.")] = 180.0,
    root: RootOption = None,
    state_dir: StateOption = None,
) -> None:
    """Place a mix of orders on a running system and show how each ended; with --scenario,
    place the normal traffic changed by an incident and wait for its alert."""
    if scenario is not None:
        from ordermesh_platform.cli.demo_scenario import run_scenario
        from ordermesh_platform.demo.scenarios import http_call

        run_scenario(
            scenario,
            url=url,
            root=root,
            state_dir=state_dir,
            seed=seed,
            timeout=timeout,
            request=http_call,
        )
        return
    placed: list[tuple[str, str]] = []
    try:
        with Progress(console=console) as progress:
            task = progress.add_task("placing orders", total=orders)
            for kind, body in demo_orders(orders):
                status, answer = _request(f"{url}/orders", body)
                if status != 202:  # noqa: PLR2004
                    err_console.print(f"[red]✗[/red] POST /orders answered {status}: {answer}")
                    raise typer.Exit(1)
                placed.append((kind, answer["orderId"]))
                progress.advance(task)
            task = progress.add_task("waiting for the sagas", total=orders)
            outcomes = _wait(url, placed, wait, lambda: progress.advance(task))
    except urllib.error.URLError as exc:
        err_console.print(f"[red]✗[/red] nothing answers on {url}: start it with `make run`")
        raise typer.Exit(1) from exc
    table = Table("kind", "outcome", "orders", title="demo outcomes")
    for (kind, outcome), n in sorted(Counter(outcomes.values()).items()):
        table.add_row(kind, outcome, str(n))
    console.print(table)


def _wait(
    url: str, placed: list[tuple[str, str]], wait: float, tick: Any
) -> dict[str, tuple[str, str]]:
    outcomes: dict[str, tuple[str, str]] = {}
    deadline = time.monotonic() + wait
    while len(outcomes) < len(placed) and time.monotonic() < deadline:
        for kind, order_id in placed:
            if order_id in outcomes:
                continue
            _, order = _request(f"{url}/orders/{order_id}")
            if order["status"] != "PENDING":
                reason = (order.get("cancellation") or {}).get("reason")
                outcomes[order_id] = (kind, f"{order['status']} {reason or ''}".strip())
                tick()
        time.sleep(0.1)
    for kind, order_id in placed:
        outcomes.setdefault(order_id, (kind, "still PENDING"))
    return outcomes


# --- OpenAPI ------------------------------------------------------------------------------------
def openapi_documents(root: Path) -> dict[Path, str]:
    """Each HTTP API's OpenAPI document, generated from its resolver's routes and models."""
    import importlib

    from ordermesh_contracts.manifest import discover_manifests, load_manifest

    documents: dict[Path, str] = {}
    for path in discover_manifests(root):
        manifest = load_manifest(path)
        if manifest.http is None or manifest.http.openapi is None:
            continue
        module = importlib.import_module(manifest.http.handler.partition(":")[0])
        text = module.app.get_openapi_json_schema(
            title=f"ordermesh {manifest.service.name} API",
            version="1.0.0",
            description=manifest.service.description,
        )
        documents[path.parent / manifest.http.openapi] = (
            json.dumps(json.loads(text), indent=2) + "\n"
        )
    return documents


def openapi(
    check: Annotated[
        bool, typer.Option("--check", help="Fail if a committed document is stale.")
    ] = False,
    root: RootOption = None,
) -> None:
    """Write every HTTP API's OpenAPI document next to its manifest (``--check``: compare)."""
    stale = []
    for path, text in openapi_documents(find_project(root).root).items():
        if path.is_file() and path.read_text(encoding="utf-8") == text:
            continue
        stale.append(path)
        if not check:
            path.write_text(text, encoding="utf-8")
    for path in stale:
        verb = "is stale" if check else "written"
        console.print(f"{'[red]✗[/red]' if check else '[green]✓[/green]'} {path} {verb}")
    if check and stale:
        err_console.print("run `make contracts` to regenerate the OpenAPI documents")
        raise typer.Exit(1)
