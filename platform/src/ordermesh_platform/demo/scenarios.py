"""Incidents staged on a running system: the demo's normal traffic changed as an incident
changes it, until an alert about it arrives on the alert topic.

- ``payment-outage``: the provider simulator declines every payment (its decline rules);
- ``traffic-drop`` / ``traffic-surge``: a quarter / three times the orders a minute;
- ``order-value-jump``: order values two and a half times the usual;
- ``stock-out``: half the orders are for more than the stock.

The incident starts at least 10 seconds into a minute and that minute gets a whole minute's
orders, so the minute is the incident's from the first order. An overwhelming one (every payment
declined, values two and a half times the usual) is CRITICAL at one of the analytics service's
looks at the open minute, every 10 seconds; any other is scored when the minute is final, 5
seconds after it ends (the local runtime's allowed lateness), once the next minute's orders move
the watermark. Once the alert is in, the incident ends, the minute is finished with normal
traffic and the provider is given back its rules.
"""

from __future__ import annotations

import json
import random
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from ordermesh_platform.alerts.reading import Alert
from ordermesh_platform.demo.traffic import MINUTE, Profile, minute_plan, order, utc_now

Request = Callable[[str, str, Any], tuple[int, Any]]  # (method, url, body) -> (status, answer)
ALL_CUSTOMERS = {"customerContains": "cus_", "code": "CARD_DECLINED", "message": "Outage."}
START_INTO_MINUTE = timedelta(seconds=10)


class Incident(StrEnum):
    PAYMENT_OUTAGE = "payment-outage"
    TRAFFIC_DROP = "traffic-drop"
    TRAFFIC_SURGE = "traffic-surge"
    ORDER_VALUE_JUMP = "order-value-jump"
    STOCK_OUT = "stock-out"


def incident_profile(incident: Incident, normal: Profile) -> Profile:
    if incident is Incident.TRAFFIC_DROP:
        return normal.scaled(orders=0.25)
    if incident is Incident.TRAFFIC_SURGE:
        return normal.scaled(orders=3.0)
    if incident is Incident.ORDER_VALUE_JUMP:
        return normal.scaled(value=2.5)
    if incident is Incident.STOCK_OUT:
        return Profile(**{**normal.__dict__, "rejection_rate": 0.5})
    return normal


@dataclass
class Staged:
    started: datetime | None = None  # the incident's first order
    ended: datetime | None = None
    orders: int = 0
    alerts: list[tuple[Alert, datetime]] = field(default_factory=list)  # and when it arrived
    placed: list[datetime] = field(default_factory=list)  # when each order was placed


@dataclass
class ScenarioRun:
    url: str
    provider_url: str
    normal: Profile
    incident: Incident
    alerts: Callable[[], list[Alert]]  # alerts that arrived since the last call
    request: Request
    seed: int | None = None
    start_into_minute: timedelta = START_INTO_MINUTE  # the incident starts at least this far in
    clock: Callable[[], datetime] = utc_now
    sleep: Callable[[float], None] = time.sleep
    say: Callable[[str], None] = print
    staged: Staged = field(default_factory=Staged)
    _rules: list[dict[str, Any]] | None = None  # the provider's decline rules to give back

    def run(self, timeout: float) -> Staged:
        """Stage the incident until an alert arrives or ``timeout`` seconds pass."""
        rng = random.Random(self.seed)  # noqa: S311 - a repeatable demo, not a secret
        now = self.clock()
        into = now - now.replace(second=0, microsecond=0)
        if into < self.start_into_minute:
            self.sleep((self.start_into_minute - into).total_seconds())
        deadline = self.clock() + timedelta(seconds=timeout)
        if self.incident is Incident.PAYMENT_OUTAGE:
            self._rules = self._provider_down()
        try:
            while self.clock() < deadline and not self.staged.alerts:
                self._minute(rng, incident_profile(self.incident, self.normal))
        finally:
            self._end_incident()
        return self.staged

    def _minute(self, rng: random.Random, profile: Profile) -> None:
        plan = minute_plan(profile, rng, self.clock(), self.staged.orders)
        self.say(f"{self.clock():%H:%M:%S} {len(plan)} orders this minute ({self.incident})")
        checked = self.clock()
        for at, planned in plan:
            self.sleep(max((at - self.clock()).total_seconds(), 0.0))
            if self.staged.alerts and self.staged.ended is None:
                self.staged.ended = self.clock()
                self._end_incident()
            normal = self.staged.ended is not None
            self._place(order(self.normal, rng, self.staged.orders) if normal else planned)
            if self.clock() - checked >= timedelta(seconds=1):
                self._check_alerts()
                checked = self.clock()
        if self.staged.alerts and self.staged.ended is None:
            self.staged.ended = self.clock()
        self.sleep(max((self._next_minute() - self.clock()).total_seconds(), 0.0))
        self._check_alerts()

    def _next_minute(self) -> datetime:
        return self.clock().replace(second=0, microsecond=0) + MINUTE

    def _place(self, body: dict[str, Any]) -> None:
        status, answer = self.request("POST", f"{self.url}/orders", body)
        if status != 202:  # noqa: PLR2004
            raise RuntimeError(f"POST /orders answered {status}: {answer}")
        placed = self.clock()
        if self.staged.started is None:
            self.staged.started = placed
        self.staged.orders += 1
        self.staged.placed.append(placed)

    def _check_alerts(self) -> None:
        for alert in self.alerts():
            self.staged.alerts.append((alert, self.clock()))

    def _end_incident(self) -> None:
        if self._rules is not None:
            self._settings({"declineRules": self._rules})
            self._rules = None
            self.say("the provider recovers")

    def _provider_down(self) -> list[dict[str, Any]]:
        """Make the provider decline every payment; its rules before, to give back."""
        status, settings = self.request("GET", f"{self.provider_url}/admin/settings", None)
        if status != 200:  # noqa: PLR2004
            raise RuntimeError(f"the provider simulator answered {status}: {settings}")
        self._settings({"declineRules": [ALL_CUSTOMERS]})
        rules: list[dict[str, Any]] = settings["declineRules"]
        return rules

    def _settings(self, changes: dict[str, Any]) -> None:
        status, answer = self.request("PUT", f"{self.provider_url}/admin/settings", changes)
        if status != 200:  # noqa: PLR2004
            raise RuntimeError(f"the provider simulator answered {status}: {answer}")


def http_call(method: str, url: str, body: Any) -> tuple[int, Any]:
    """``Request`` over HTTP (the system's APIs and the provider simulator's admin API)."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(  # noqa: S310 - the URL is the user's local runtime
        url, data=data, method=method, headers={"content-type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null")
