"""Anomaly detection: an online model for any time series, and the contract's metrics on it."""

from .metrics import (
    Anomaly,
    AnomalyDetector,
    Metric,
    Scored,
    SeriesKey,
    Severity,
    WindowTotals,
    anomaly_id,
    severity,
)
from .model import AnomalyModel, ModelConfig, Status, Verdict
from .noise import SeriesKind

__all__ = [
    "Anomaly",
    "AnomalyDetector",
    "AnomalyModel",
    "Metric",
    "ModelConfig",
    "Scored",
    "SeriesKey",
    "SeriesKind",
    "Severity",
    "Status",
    "Verdict",
    "WindowTotals",
    "anomaly_id",
    "severity",
]
