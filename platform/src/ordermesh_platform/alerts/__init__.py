"""Anomaly alerts: the AnomalyDetected events the platform's alert topic carries, read back
from its messages (``ordermesh alerts tail``) and logged by its log subscription."""

from .reading import ALERT_TOPIC, Alert, alert_line, read_alert

__all__ = ["ALERT_TOPIC", "Alert", "alert_line", "read_alert"]
