"""The load generator: places orders through the order API at a steady rate, each with an
Idempotency-Key, and records every accepted order (a 202 and the order id it named).

It runs as a process of its own (``python -m ordermesh_platform.chaos.load``), so the system's
process does not share its interpreter. A request that gets no answer (the system killed, a
timeout) or a 5xx is sent again with the same key, as a customer's client retries, until it is
answered. With double submits, some orders are posted again with their key once answered, and
some twice at once.
"""

from __future__ import annotations

import argparse
import json
import random
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ADDRESS = {"name": "Ada", "line1": "1 Main St", "city": "Berlin", "postalCode": "10115"}
SKUS = (("BOOK-0001", "39.90"), ("BOOK-0002", "44.50"), ("MUG-0001", "12.00"))
SCARCE = ("LIMITED-01", "250.00")  # little stock: orders compete for it and some are rejected
DECLINED_SHARE, SCARCE_SHARE = 0.1, 0.05
AGAIN_SHARE, CONCURRENT_SHARE = 0.1, 0.05  # double submits: after the answer, and at once
GIVE_UP_SECONDS = 300.0  # a request unanswered this long is recorded as not accepted
WORKERS = 16


def order_body(index: int, rng: random.Random) -> dict[str, Any]:
    """Order ``index``: a good card most often, a declined one sometimes, a scarce SKU rarely."""
    customer = f"cus_chaos{index:06d}"
    if rng.random() < DECLINED_SHARE:
        customer = f"cus_declinedchaos{index:06d}"
    sku, price = SCARCE if rng.random() < SCARCE_SHARE else rng.choice(SKUS)
    line = {
        "sku": sku,
        "quantity": rng.randint(1, 3),
        "unitPrice": {"amount": price, "currency": "EUR"},
    }
    return {
        "customerId": customer,
        "currency": "EUR",
        "lines": [line],
        "shippingAddress": {**ADDRESS, "country": "DE"},
    }


def post(url: str, body: dict[str, Any], key: str, timeout: float = 10.0) -> tuple[int, Any]:
    """POST an order; (0, reason) when nothing answered."""
    request = urllib.request.Request(  # noqa: S310 - the URL is the local system's
        f"{url}/orders",
        data=json.dumps(body).encode(),
        headers={"content-type": "application/json", "idempotency-key": key},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode(errors="replace")
    except (OSError, ValueError) as exc:  # refused, reset, timed out, a body cut short
        return 0, str(exc)


class LoadGenerator:
    def __init__(self, url: str, out: Path, *, double_submit: bool) -> None:
        self.url = url
        self.double_submit = double_submit
        self._out = out.open("a", encoding="utf-8", buffering=1)
        self._lock = threading.Lock()

    def place(self, key: str, body: dict[str, Any]) -> None:
        """Post until answered; record the answer."""
        deadline = time.monotonic() + GIVE_UP_SECONDS
        while True:
            status, answer = post(self.url, body, key)
            if (status == 0 or status >= 500) and time.monotonic() < deadline:  # noqa: PLR2004
                time.sleep(0.5)
                continue
            self._record(key, status, answer)
            return

    def _record(self, key: str, status: int, answer: Any) -> None:
        line: dict[str, Any] = {"key": key, "status": status, "at": time.time()}
        if status == 202 and isinstance(answer, dict):  # noqa: PLR2004
            line["orderId"] = answer.get("orderId")
        else:
            line["answer"] = str(answer)[:300]
        with self._lock:
            self._out.write(json.dumps(line) + "\n")

    def run(self, orders: int, rate: float, seed: int, start: int = 0) -> None:
        rng = random.Random(seed)  # noqa: S311 - a load mix, not secrets
        began = time.monotonic()
        with ThreadPoolExecutor(WORKERS) as pool:
            for index in range(start, orders):
                body, key = order_body(index, rng), f"chaos-{seed}-{index:06d}"
                draw = rng.random()
                delay = began + (index - start) / rate - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                copies = 1
                if self.double_submit and draw < CONCURRENT_SHARE:
                    copies = 2  # the same key twice at once
                for _ in range(copies):
                    pool.submit(self.place, key, body)
                if self.double_submit and CONCURRENT_SHARE <= draw < CONCURRENT_SHARE + AGAIN_SHARE:
                    pool.submit(self._again, key, body)
        self._out.close()

    def _again(self, key: str, body: dict[str, Any]) -> None:
        self.place(key, body)  # answered once (recorded), then posted again
        self.place(key, body)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", required=True)
    parser.add_argument("--orders", type=int, required=True)
    parser.add_argument("--rate", type=float, required=True)
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--double-submit", action="store_true")
    args = parser.parse_args(argv)
    generator = LoadGenerator(args.url, args.out, double_submit=args.double_submit)
    generator.run(args.orders, args.rate, args.seed)


if __name__ == "__main__":
    main()
