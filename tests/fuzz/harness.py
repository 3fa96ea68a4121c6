"""Fuzz one HTTP API of the running system from its OpenAPI document with schemathesis.

Every operation gets as many cases as the others, half generated valid under the document and
half not (schemathesis' positive and negative modes), drawn by hypothesis with a fixed seed
(``derandomize``), so a run is the same run every time. Each answer is judged on four counts,
which are the failures:

- a 5xx;
- a 4xx that is not an RFC 9457 problem naming the field (``application/problem+json``, with
  ``type``, ``title``, ``status`` equal to the answer's, ``detail``, and ``errors`` each with a
  ``field``);
- an answer the document does not state: its status code, its content type or its body's schema
  (schemathesis' conformance checks);
- a rejected request (4xx) after which the store is not what it was (``apis.Api.store``).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode, openapi
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.core.failures import FailureGroup
from schemathesis.core.transport import Response

from tests.fuzz.apis import Api

CONFORMANCE = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
PROBLEM_JSON = "application/problem+json"
MODES = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
MAX_ROUNDS = 8


@dataclass
class Result:
    api: str
    cases: int = 0
    server_errors: int = 0
    not_problems: int = 0
    schema_violations: int = 0
    store_changed: int = 0
    failures: list[str] = field(default_factory=list)  # the first few, to say what broke

    @property
    def failed(self) -> int:
        return self.server_errors + self.not_problems + self.schema_violations + self.store_changed

    def note(self, case: schemathesis.Case, response: Response, what: str) -> None:
        if len(self.failures) < 10:
            sent = f"{case.method} {case.formatted_path} query={case.query} body={case.body!r}"
            got = f"{response.status_code} {response.text[:300]}"
            self.failures.append(f"{what}: {sent[:400]} -> {got}")


def problem_fault(response: Response) -> str | None:
    """What keeps a 4xx answer from being a problem document naming the field, if anything."""
    content_type = next(iter(response.headers.get("content-type", [])), "")
    content_type = content_type.split(";")[0].strip()
    if content_type != PROBLEM_JSON:
        return f"content type {content_type!r}, not {PROBLEM_JSON}"
    try:
        document = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        document = None
    if not isinstance(document, dict):
        return "the body is not a JSON object"
    return _document_fault(document, response.status_code)


def _document_fault(document: dict[str, Any], status: int) -> str | None:
    missing = [k for k in ("type", "title", "status", "detail") if k not in document]
    if missing:
        return f"no {', '.join(missing)}"
    if document["status"] != status:
        return f"status {document['status']} in an answer of {status}"
    errors = document.get("errors")
    if not errors or not all(
        isinstance(e, dict) and isinstance(e.get("field"), str) for e in errors
    ):
        return "no errors naming the field"
    return None


def _judge(api: Api, state: Path, result: Result, case: schemathesis.Case, base_url: str) -> None:
    before = api.store(state)
    try:
        response = case.call(base_url=base_url, timeout=30)
    except (requests.exceptions.InvalidHeader, UnicodeEncodeError, ValueError):
        return  # a request HTTP cannot carry (a header with a newline): nothing was sent
    result.cases += 1
    if response.status_code >= 500:
        result.server_errors += 1
        result.note(case, response, "5xx")
    elif response.status_code >= 400:
        fault = problem_fault(response)
        if fault is not None:
            result.not_problems += 1
            result.note(case, response, f"not a problem ({fault})")
        if api.store(state) != before:
            result.store_changed += 1
            result.note(case, response, "store changed by a rejected request")
    try:
        case.validate_response(response, checks=CONFORMANCE)
    except (AssertionError, FailureGroup) as exc:
        if response.status_code < 500:
            result.schema_violations += 1
            result.note(case, response, f"not as documented ({str(exc).splitlines()[0]})")


def fuzz(api: Api, state: Path, base_url: str, cases: int) -> Result:
    """At least ``cases`` generated requests to ``api`` at ``base_url``, judged one by one.

    An operation with few inputs (none: ``GET /analytics/now``) runs out of distinct cases
    early; further rounds, each with the next fixed seed, make up the count with the others."""
    schema = openapi.from_path(str(api.document))
    operations = [found.ok() for found in schema.get_all_operations()]
    result = Result(api.name)

    def judge(case: schemathesis.Case) -> None:
        _judge(api, state, result, case, base_url)

    for round_seed in range(MAX_ROUNDS):
        missing = cases - result.cases
        if missing <= 0:
            break
        per_run = max(1, math.ceil(missing / (len(operations) * len(MODES))))
        for operation in operations:
            for mode in MODES:
                strategy = operation.as_strategy(generation_mode=mode)
                _run(judge, strategy, per_run, round_seed)
    return result


def _run(
    judge: Callable[[schemathesis.Case], None], strategy: Any, n: int, round_seed: int
) -> None:
    @settings(
        max_examples=n,
        derandomize=round_seed == 0,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def run(case: schemathesis.Case) -> None:
        judge(case)

    if round_seed:
        run = seed(round_seed)(run)
    try:
        run()
    except Unsatisfiable:  # nothing of the operation can be made invalid (no parameters, no body)
        return
