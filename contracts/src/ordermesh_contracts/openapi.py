"""What an ordermesh API's OpenAPI document says about its answers: every status code a route
answers, successes as ``application/json`` and errors as ``application/problem+json`` (the
``Problem`` schema, RFC 9457 with the ``errors`` that name each field).

``responses(...)`` is given to a powertools route's ``responses=``; the resolver then documents
those answers instead of its default 200 and its ``HTTPValidationError`` 422 (which is not what
``http.register`` answers). Every route also documents 400 and 413: ``http.resolve`` answers
them for any request whose body is not UTF-8 text or is over the limit.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from ordermesh_contracts.http import PROBLEM_JSON, TITLES

JSON = "application/json"
# Answered for any request by http.resolve: a body that is not UTF-8 text, one over the limit.
ANY_REQUEST = (400, 413)


class FieldProblem(BaseModel):
    field: Annotated[
        str,
        Field(
            description="What is wrong, as the client spelled it: lines[2].quantity, "
            'query:limit, path:orderId, header:idempotency-key; "" for the body as a whole'
        ),
    ]
    detail: str


class Problem(BaseModel):
    """An RFC 9457 problem document: every answer of an ordermesh API that is not a success."""

    model_config = ConfigDict(extra="allow")
    type: Annotated[str, Field(description='The problem type URI; "about:blank" if none')]
    title: str
    status: Annotated[int, Field(ge=400, le=599)]
    detail: str
    errors: Annotated[list[FieldProblem], Field(min_length=1)] | None = None


def responses(
    success: int,
    description: str,
    *errors: int,
    model: type[BaseModel] | None = None,
    links: dict[str, Any] | None = None,
) -> dict[int, Any]:
    """A route's ``responses=``: the success (its ``model``, else the route's return type)
    and a problem for each status in ``errors`` and in ``ANY_REQUEST``."""
    answer: dict[str, Any] = {"description": description}
    if model is not None:
        answer["content"] = {JSON: {"model": model}}
    if links:
        answer["links"] = links
    documented: dict[int, Any] = {success: answer}
    for status in sorted({*errors, *ANY_REQUEST}):
        documented[status] = {
            "description": TITLES.get(status, "Error"),
            "content": {PROBLEM_JSON: {"model": Problem}},
        }
    return documented
