"""End to end on the local runtime: a payment outage staged by the demo on a system whose
anomaly models start from the demo's normal traffic publishes AnomalyDetected, which reaches the
on-call queue (CRITICAL) and the log function within a minute; the normal traffic before
it raises no alert."""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta

import pytest
from ordermesh_platform.cli.demo_scenario import alert_reader
from ordermesh_platform.demo.scenarios import Incident, ScenarioRun, http_call
from ordermesh_platform.demo.traffic import Profile
from ordermesh_platform.system import LocalSystem

from tests.e2e.conftest import ROOT, wait_for

ONCALL = "platform-ordermesh-alerts-oncall"
# Every payment declined is CRITICAL at a look at the open minute, once about 25 payments are in
# (the demo places 40 a minute): within the minute.
BOUND = timedelta(seconds=60)


def stage(system: LocalSystem, incident: Incident, profile: Profile, timeout: float) -> ScenarioRun:
    run = ScenarioRun(
        url=system.url,
        provider_url=system.provider_url,
        normal=profile,
        incident=incident,
        alerts=alert_reader(system.runtime.topics),
        request=http_call,
        seed=22,
        say=lambda _line: None,
    )
    run.run(timeout)
    return run


def test_a_payment_outage_alerts_the_oncall_queue_and_the_log(
    system: LocalSystem, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="alerts")
    # Given the running system, when the demo stages a payment outage with a fixed seed
    run = stage(system, Incident.PAYMENT_OUTAGE, Profile.read(ROOT), timeout=120)
    staged = run.staged
    # Then an alert arrives within the bound, about the outage's first minute
    assert staged.alerts, "no alert"
    assert staged.started is not None
    first, arrived = staged.alerts[0]
    assert arrived - staged.started <= BOUND
    assert first.metric in {"payment_decline_rate", "cancellation_rate"}
    outage_minute = staged.started.replace(second=0, microsecond=0)
    assert all(datetime.fromisoformat(a.window_start) >= outage_minute for a, _ in staged.alerts)
    # And the CRITICAL decline rate is on the on-call queue
    messages = wait_for(
        lambda: system.runtime.queues.receive(ONCALL, 10), 10.0, "the on-call queue's alert"
    )
    alerts = [json.loads(json.loads(m.body)["Message"])["detail"]["data"] for m in messages]
    declines = [a for a in alerts if a["metric"] == "payment_decline_rate"]
    assert declines
    assert {a["severity"] for a in alerts} == {"CRITICAL"}
    assert declines[0]["observed"] > 0.9  # every payment declined
    assert declines[0]["expected"] < 0.1  # the usual 4%
    # And the log function (its logger "alerts") logged every alert, the first among them
    wait_for(lambda: _logged(caplog, first.anomaly_id), 10.0, "the alert in the log function's log")
    assert all(_logged(caplog, a["anomalyId"]) for a in alerts)


def _logged(caplog: pytest.LogCaptureFixture, anomaly_id: str) -> bool:
    return any(r.name == "alerts" and anomaly_id in r.getMessage() for r in caplog.records)
