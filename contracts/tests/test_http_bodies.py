"""Strict request bodies: ``body_bytes`` (plain or base64, counted in bytes against a limit of
64 KiB by default: 413, bad base64: 400) and ``json_body`` (JSON media types only: 415; a JSON
object in UTF-8: 400; validated into the model: 422; the size checked before anything else)."""

from __future__ import annotations

import base64
import json

import pytest
from ordermesh_contracts import http
from ordermesh_contracts.http import ProblemError
from pydantic import ValidationError

from .http_support import Line, NewOrder, _event


def _problem(exc_info: pytest.ExceptionInfo[ProblemError]) -> tuple[int, str]:
    return exc_info.value.status, exc_info.value.detail


def test_body_bytes_is_the_raw_body_plain_or_base64() -> None:
    assert http.body_bytes(_event(body="héllo")) == "héllo".encode()
    encoded = base64.b64encode(b"\x00\xff").decode()
    assert http.body_bytes(_event(body=encoded, encoded=True)) == b"\x00\xff"
    assert http.body_bytes(_event()) == b""


def test_body_bytes_refuses_bad_base64_with_400() -> None:
    with pytest.raises(ProblemError) as error:
        http.body_bytes(_event(body="not base64!", encoded=True))
    assert _problem(error) == (400, "the body is not valid base64")


def test_body_bytes_counts_bytes_not_characters_against_the_limit() -> None:
    assert http.body_bytes(_event(body="é" * 4), max_bytes=8) == "é".encode() * 4
    with pytest.raises(ProblemError) as error:
        http.body_bytes(_event(body="é" * 5), max_bytes=8)
    assert _problem(error) == (413, "the body is 10 bytes; at most 8 are accepted")


def test_the_default_body_limit_is_64_kib() -> None:
    assert http.DEFAULT_MAX_BODY_BYTES == 64 * 1024
    assert len(http.body_bytes(_event(body="x" * 65536))) == 65536
    with pytest.raises(ProblemError) as error:
        http.body_bytes(_event(body="x" * 65537))
    assert error.value.status == 413


def test_json_body_is_the_validated_model() -> None:
    body = json.dumps({"customerId": "cus_1", "lines": [{"sku": "MUG", "quantity": 2}]})
    order = http.json_body(_event(body=body), NewOrder)
    assert order == NewOrder(customer_id="cus_1", lines=[Line(sku="MUG", quantity=2)])


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Content-Type": "application/json; charset=utf-8"},
        {"content-type": "application/merge-patch+json"},
    ],
    ids=["no content type", "with charset", "a +json type"],
)
def test_json_body_accepts_json_content_types(headers: dict[str, str]) -> None:
    body = '{"sku": "MUG", "quantity": 1}'
    assert http.json_body(_event(body=body, headers=headers), Line) == Line(sku="MUG", quantity=1)


def test_json_body_refuses_other_content_types_with_415() -> None:
    with pytest.raises(ProblemError) as error:
        http.json_body(_event(body="sku=MUG", headers={"Content-Type": "text/plain"}), Line)
    assert _problem(error) == (415, "send the body as application/json, not text/plain")


def test_json_body_reads_the_media_type_case_insensitively() -> None:
    event = _event(
        body='{"sku": "MUG", "quantity": 1}', headers={"Content-Type": "Application/JSON"}
    )
    assert http.json_body(event, Line) == Line(sku="MUG", quantity=1)


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        (None, "the request needs a JSON body"),
        ("  \n", "the request needs a JSON body"),
        (
            '{"sku": "MUG",\n "quantity": }',
            "the body is not valid JSON (line 2, column 14): Expecting value",
        ),
        ("[1, 2]", "the body must be a JSON object"),
        ('"text"', "the body must be a JSON object"),
    ],
)
def test_json_body_refuses_what_is_not_a_json_object_with_400(
    body: str | None, detail: str
) -> None:
    with pytest.raises(ProblemError) as error:
        http.json_body(_event(body=body), Line)
    assert _problem(error) == (400, detail)


def test_json_body_refuses_a_body_that_is_not_utf8_with_400() -> None:
    encoded = base64.b64encode(b'{"sku": "\xff"}').decode()
    with pytest.raises(ProblemError) as error:
        http.json_body(_event(body=encoded, encoded=True), Line)
    assert _problem(error) == (400, "the body is not UTF-8 text: byte 0xff at 9")


def test_json_body_names_each_invalid_field_with_422() -> None:
    with pytest.raises(ProblemError) as error:
        http.json_body(_event(body='{"sku": "MUG", "quantity": 0, "colour": "red"}'), Line)
    assert error.value.status == 422
    assert [e.field for e in error.value.errors] == ["quantity", "colour"]
    assert isinstance(error.value.__cause__, ValidationError)


def test_json_body_checks_the_size_before_the_content_type_or_json() -> None:
    with pytest.raises(ProblemError) as error:
        http.json_body(_event(body="{" * 20, headers={"content-type": "text/plain"}), Line, 10)
    assert _problem(error) == (413, "the body is 20 bytes; at most 10 are accepted")
