"""The anomaly scoring's part of the DynamoDB KPI store (the table of ``adapters.dynamodb``).

================  ==============================  ==========================  ===================
item              pk                              sk                          other attributes
================  ==============================  ==========================  ===================
scoring           ``SCORING``                     ``SCORING``                 ``scored_until``
model             ``MODEL``                       series (``SeriesKey.text``) ``state`` (JSON)
anomaly           ``ANOMALY#<window day>``        ``<window start>#<id>``     ``data`` (JSON),
                                                                              ``published_at``
unpublished mark  ``UNPUBLISHED``                 ``<window start>#<id>``     ``data`` (JSON)
================  ==============================  ==========================  ===================

``save_scoring`` is one ``TransactWriteItems``: the scoring item's update conditional on its
``scored_until`` (compare and set), a ``Put`` per model, and per new anomaly a ``Put`` of its
record (conditional on it not existing) and of its unpublished mark. An anomaly's keys follow
from its id's window, so whether it is recorded is one ``BatchGetItem``; ``mark_published``
sets ``published_at`` and deletes the mark, so the marks are what is left to publish.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

from analytics_service.adapters import anomaly_json
from analytics_service.adapters.ports import RecordedAnomaly, Scoring, from_micros, micros
from analytics_service.domain.anomaly import Anomaly

MAX_TRANSACTION_ITEMS = 100
_SCORING = {"pk": {"S": "SCORING"}, "sk": {"S": "SCORING"}}
_CONDITION_FAILED = "ConditionalCheckFailed"
Item = dict[str, Any]


def _sk(anomaly: Anomaly) -> str:
    return f"{anomaly.start.strftime('%Y-%m-%dT%H:%M:%SZ')}#{anomaly.anomaly_id}"


def _record_key(anomaly: Anomaly) -> Item:
    return {"pk": {"S": f"ANOMALY#{anomaly.start:%Y-%m-%d}"}, "sk": {"S": _sk(anomaly)}}


def _mark_key(anomaly: Anomaly) -> Item:
    return {"pk": {"S": "UNPUBLISHED"}, "sk": {"S": _sk(anomaly)}}


class DynamoDbScoring:
    """Mixed into ``DynamoDbKpiStore``, whose client and table it uses."""

    _client: Any
    _name: str

    def _get_many(self, keys: Sequence[tuple[str, str]]) -> list[Item]:
        raise NotImplementedError  # DynamoDbKpiStore's

    def _query(self, pk: str, between: tuple[str, str] | None = None) -> Iterator[Item]:
        raise NotImplementedError  # DynamoDbKpiStore's

    def scored_until(self) -> datetime | None:
        answer = self._client.get_item(
            TableName=self._name,
            Key=_SCORING,
            ConsistentRead=True,
            ProjectionExpression="scored_until",
        )
        until = answer.get("Item", {}).get("scored_until")
        return None if until is None else from_micros(int(until["N"]))

    def scoring(self) -> Scoring:
        answer = self._client.get_item(TableName=self._name, Key=_SCORING, ConsistentRead=True)
        until = answer.get("Item", {}).get("scored_until")
        models = {item["sk"]["S"]: json.loads(item["state"]["S"]) for item in self._query("MODEL")}
        return Scoring(None if until is None else from_micros(int(until["N"])), models)

    def save_scoring(
        self, before: datetime | None, after: Scoring, anomalies: Sequence[Anomaly]
    ) -> bool:
        if after.scored_until is None:
            raise ValueError("a saved scoring has consumed some windows")
        new = self._not_recorded(anomalies)
        items = [self._move_scoring(before, after.scored_until)]
        items += [
            {
                "Put": {
                    "TableName": self._name,
                    "Item": {"pk": {"S": "MODEL"}, "sk": {"S": series}, "state": {"S": text}},
                }
            }
            for series, text in ((s, json.dumps(m)) for s, m in after.models.items())
        ]
        for anomaly in new:
            data = {"S": json.dumps(anomaly_json.to_json(anomaly))}
            items.append(
                {
                    "Put": {
                        "TableName": self._name,
                        "Item": {**_record_key(anomaly), "data": data},
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                }
            )
            items.append(
                {"Put": {"TableName": self._name, "Item": {**_mark_key(anomaly), "data": data}}}
            )
        if len(items) > MAX_TRANSACTION_ITEMS:
            raise ValueError(f"{len(items)} items are more than one transaction holds")
        try:
            self._client.transact_write_items(TransactItems=items)
        except ClientError as error:
            reasons = error.response.get("CancellationReasons") or []
            if reasons and reasons[0].get("Code") == _CONDITION_FAILED:
                return False  # another invocation consumed these windows
            raise
        return True

    def _move_scoring(self, before: datetime | None, until: datetime) -> Item:
        values = {":a": {"N": str(micros(until))}}
        condition = "attribute_not_exists(scored_until)"
        if before is not None:
            condition = "scored_until = :b"
            values[":b"] = {"N": str(micros(before))}
        return {
            "Update": {
                "TableName": self._name,
                "Key": _SCORING,
                "UpdateExpression": "SET scored_until = :a",
                "ConditionExpression": condition,
                "ExpressionAttributeValues": values,
            }
        }

    def _not_recorded(self, anomalies: Sequence[Anomaly]) -> list[Anomaly]:
        keys = [(_record_key(a)["pk"]["S"], _sk(a)) for a in anomalies]
        found = {item["sk"]["S"] for item in self._get_many(keys)}
        unique = {_sk(a): a for a in anomalies}
        return [a for sk, a in unique.items() if sk not in found]

    def unpublished(self, limit: int) -> list[Anomaly]:
        found = []
        for item in self._query("UNPUBLISHED"):
            found.append(anomaly_json.from_json(json.loads(item["data"]["S"])))
            if len(found) == limit:
                break
        return found

    def mark_published(self, anomalies: Sequence[Anomaly], now: datetime) -> None:
        for anomaly in anomalies:
            self._client.transact_write_items(
                TransactItems=[
                    {
                        "Update": {
                            "TableName": self._name,
                            "Key": _record_key(anomaly),
                            "UpdateExpression": "SET published_at = :p",
                            "ExpressionAttributeValues": {":p": {"N": str(micros(now))}},
                        }
                    },
                    {"Delete": {"TableName": self._name, "Key": _mark_key(anomaly)}},
                ]
            )

    def anomalies(self, start: datetime, end: datetime) -> list[RecordedAnomaly]:
        found: list[RecordedAnomaly] = []
        day = start.replace(hour=0, minute=0, second=0, microsecond=0)
        while day < end:
            for item in self._query(f"ANOMALY#{day:%Y-%m-%d}"):
                anomaly = anomaly_json.from_json(json.loads(item["data"]["S"]))
                if start <= anomaly.start < end:
                    published = item.get("published_at")
                    at = None if published is None else from_micros(int(published["N"]))
                    found.append(RecordedAnomaly(anomaly, at))
            day += timedelta(days=1)
        return found
