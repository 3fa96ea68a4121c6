"""Each content filter of EventBridge event patterns, on small patterns and events."""

from __future__ import annotations

import json
from typing import Any

import pytest
from ordermesh_platform.patterns import EventPattern, compile_pattern

Case = tuple[Any, Any, bool]


def _check(pattern: Any, event: Any, expected: bool) -> None:  # noqa: FBT001
    compiled = compile_pattern(pattern)
    assert compiled.matches(event) is expected
    assert compiled.matches_json(json.dumps(event)) is expected


def _ids(cases: list[Case]) -> list[str]:
    return [f"{json.dumps(p)} ~ {json.dumps(e)}" for p, e, _ in cases]


EXACT: list[Case] = [
    ({"source": ["ordermesh.orders"]}, {"source": "ordermesh.orders"}, True),
    ({"source": ["ordermesh.orders"]}, {"source": "ordermesh.payments"}, False),
    ({"source": ["ordermesh.orders"]}, {"detail-type": "OrderPlaced"}, False),
    ({"source": ["a", "b"]}, {"source": "b"}, True),
    ({"tags": ["vip"]}, {"tags": ["new", "vip"]}, True),
    ({"tags": ["vip"]}, {"tags": [["new"], ["vip"]]}, True),
    ({"tags": ["vip"]}, {"tags": {"vip": True}}, False),
    ({"n": [300]}, {"n": 300}, True),
    ({"n": [300]}, {"n": 300.0}, True),
    ({"n": [300]}, {"n": "300"}, False),
    ({"n": ["300"]}, {"n": 300}, False),
    ({"n": [-0.5]}, {"n": -0.5}, True),
    ({"ok": [True]}, {"ok": True}, True),
    ({"ok": [True]}, {"ok": "true"}, False),
    ({"ok": [False]}, {"ok": 0}, False),
    ({"gone": [None]}, {"gone": None}, True),
    ({"gone": [None]}, {}, False),
    ({"gone": [None]}, {"gone": "null"}, False),
    ({"account": [123456789012]}, {"account": 123456789012}, True),
    ({"account": [123456789012]}, {"account": 123456789013}, False),
    ({"exact": [{"exactly": "a"}]}, {"exact": "a"}, True),
]


@pytest.mark.parametrize(("pattern", "event", "expected"), EXACT, ids=_ids(EXACT))
def test_exact_values(pattern: Any, event: Any, expected: bool) -> None:  # noqa: FBT001
    _check(pattern, event, expected)


@pytest.mark.parametrize(
    ("event_text", "expected"),
    [
        ('{"x": 3.0e2}', True),
        ('{"x": 300.000}', True),
        ('{"x": 30e1}', True),
        ('{"x": 299.999999}', False),
        ('{"x": "3.0e2"}', False),
    ],
)
def test_numbers_compare_by_value_whatever_the_spelling(event_text: str, expected: bool) -> None:  # noqa: FBT001
    assert compile_pattern('{"x": [300]}').matches_json(event_text) is expected
    assert compile_pattern('{"x": [3.0e2]}').matches_json(event_text) is expected


def test_numbers_numeric_matching_cannot_represent_match_by_spelling() -> None:
    big = compile_pattern('{"x": [1e10]}')
    assert big.matches_json('{"x": 1e10}')
    assert not big.matches_json('{"x": 10000000000}')
    precise = compile_pattern('{"x": [1.0000001]}')
    assert precise.matches_json('{"x": 1.0000001}')
    assert not precise.matches_json('{"x": 1.00000010}')


STRINGS: list[Case] = [
    ({"a": [{"prefix": "ord"}]}, {"a": "order"}, True),
    ({"a": [{"prefix": "ord"}]}, {"a": "Order"}, False),
    ({"a": [{"prefix": "ord"}]}, {"a": ["x", "ordinal"]}, True),
    ({"a": [{"prefix": "1"}]}, {"a": 12}, False),
    ({"a": [{"prefix": ""}]}, {"a": ""}, True),
    ({"a": [{"prefix": ""}]}, {"a": None}, False),
    ({"a": [{"suffix": ".png"}]}, {"a": "cat.png"}, True),
    ({"a": [{"suffix": ".png"}]}, {"a": "cat.PNG"}, False),
    ({"a": [{"suffix": ".png"}]}, {"a": "png"}, False),
    ({"a": [{"equals-ignore-case": "ALICE"}]}, {"a": "alice"}, True),
    ({"a": [{"equals-ignore-case": "ALICE"}]}, {"a": "AlIcE"}, True),
    ({"a": [{"equals-ignore-case": "ALICE"}]}, {"a": "alicee"}, False),
    ({"a": [{"equals-ignore-case": "Straße"}]}, {"a": "STRASSE"}, True),
    ({"a": [{"equals-ignore-case": "Straße"}]}, {"a": "straße"}, True),
    ({"a": [{"equals-ignore-case": "ÉTÉ"}]}, {"a": "été"}, True),
    ({"a": [{"prefix": {"equals-ignore-case": "ORD"}}]}, {"a": "order-1"}, True),
    ({"a": [{"prefix": {"equals-ignore-case": "ORD"}}]}, {"a": "x-order"}, False),
    ({"a": [{"prefix": {"equals-ignore-case": "ÉT"}}]}, {"a": "étage"}, True),
    ({"a": [{"suffix": {"equals-ignore-case": ".PNG"}}]}, {"a": "cat.png"}, True),
    ({"a": [{"suffix": {"equals-ignore-case": ".PNG"}}]}, {"a": "cat.png.gz"}, False),
    ({"a": [{"suffix": {"equals-ignore-case": "É"}}]}, {"a": "café"}, True),
    ({"a": [{"wildcard": "*.png"}]}, {"a": "dir/cat.png"}, True),
    ({"a": [{"wildcard": "*.png"}]}, {"a": "png"}, False),
    ({"a": [{"wildcard": "a*b*c"}]}, {"a": "abc"}, True),
    ({"a": [{"wildcard": "a*b*c"}]}, {"a": "aXXbYYc"}, True),
    ({"a": [{"wildcard": "a*b*c"}]}, {"a": "acb"}, False),
    ({"a": [{"wildcard": "a\\*b"}]}, {"a": "a*b"}, True),
    ({"a": [{"wildcard": "a\\*b"}]}, {"a": "aXb"}, False),
    ({"a": [{"wildcard": "a\\\\b*"}]}, {"a": "a\\bc"}, True),
    ({"a": [{"wildcard": "*"}]}, {"a": ""}, True),
    ({"a": [{"wildcard": "*"}]}, {"a": 5}, False),
    ({"a": [{"wildcard": "order"}]}, {"a": "order"}, True),
]


@pytest.mark.parametrize(("pattern", "event", "expected"), STRINGS, ids=_ids(STRINGS))
def test_string_operators(pattern: Any, event: Any, expected: bool) -> None:  # noqa: FBT001
    _check(pattern, event, expected)


KELVIN = "\u212a"  # KELVIN SIGN: lower-cases to ASCII "k" but is neither of the cases of "k"
DESERET = "\U00010400"  # outside the basic plane; its lower case is U+10428

IGNORE_CASE_EDGES: list[Case] = [
    # an ASCII pattern accepts ASCII only: event-ruler compares the UTF-8 bytes of "k" and "K"
    ({"a": [{"equals-ignore-case": "k"}]}, {"a": KELVIN}, False),
    ({"a": [{"prefix": {"equals-ignore-case": "ki"}}]}, {"a": f"{KELVIN}iss"}, False),
    ({"a": [{"suffix": {"equals-ignore-case": ".k"}}]}, {"a": f"x.{KELVIN}"}, False),
    ({"a": [{"anything-but": {"equals-ignore-case": "k"}}]}, {"a": KELVIN}, True),
    # event-ruler folds case per UTF-16 unit: a character outside the basic plane keeps its case
    ({"a": [{"equals-ignore-case": DESERET}]}, {"a": "\U00010428"}, False),
    ({"a": [{"prefix": {"equals-ignore-case": f"É{DESERET}"}}]}, {"a": "é\U00010428!"}, False),
    # an empty suffix ends every string, and no number
    ({"a": [{"suffix": {"equals-ignore-case": ""}}]}, {"a": "anything"}, True),
    ({"a": [{"suffix": {"equals-ignore-case": ""}}]}, {"a": ""}, True),
    ({"a": [{"suffix": {"equals-ignore-case": ""}}]}, {"a": 5}, False),
]


@pytest.mark.parametrize(
    ("pattern", "event", "expected"), IGNORE_CASE_EDGES, ids=_ids(IGNORE_CASE_EDGES)
)
def test_ignore_case_edges(pattern: Any, event: Any, expected: bool) -> None:  # noqa: FBT001
    _check(pattern, event, expected)


ANYTHING_BUT: list[Case] = [
    ({"s": [{"anything-but": "banned"}]}, {"s": "active"}, True),
    ({"s": [{"anything-but": "banned"}]}, {"s": "banned"}, False),
    ({"s": [{"anything-but": "banned"}]}, {}, False),
    ({"s": [{"anything-but": "banned"}]}, {"s": 5}, True),
    ({"s": [{"anything-but": "banned"}]}, {"s": None}, True),
    ({"s": [{"anything-but": ["a", "b"]}]}, {"s": "c"}, True),
    ({"s": [{"anything-but": ["a", "b"]}]}, {"s": "a"}, False),
    ({"s": [{"anything-but": ["a", "b"]}]}, {"s": ["a", "c"]}, True),
    ({"s": [{"anything-but": ["a", "b"]}]}, {"s": ["a", "b"]}, False),
    ({"n": [{"anything-but": [1, 2]}]}, {"n": 3}, True),
    ({"n": [{"anything-but": [1, 2]}]}, {"n": 1}, False),
    ({"n": [{"anything-but": [1, 2]}]}, {"n": 1.0}, False),
    ({"n": [{"anything-but": [1, 2]}]}, {"n": "1"}, True),
    ({"n": [{"anything-but": 5}]}, {"n": 5}, False),
    ({"n": [{"anything-but": 5}]}, {"n": 6}, True),
    ({"s": [{"anything-but": {"prefix": "init"}}]}, {"s": "initializing"}, False),
    ({"s": [{"anything-but": {"prefix": "init"}}]}, {"s": "running"}, True),
    ({"s": [{"anything-but": {"prefix": "init"}}]}, {"s": 5}, True),
    ({"s": [{"anything-but": {"suffix": [".tmp", ".bak"]}}]}, {"s": "a.bak"}, False),
    ({"s": [{"anything-but": {"suffix": [".tmp", ".bak"]}}]}, {"s": "a.txt"}, True),
    ({"s": [{"anything-but": {"equals-ignore-case": ["Alice", "BOB"]}}]}, {"s": "bob"}, False),
    ({"s": [{"anything-but": {"equals-ignore-case": ["Alice", "BOB"]}}]}, {"s": "carol"}, True),
    ({"s": [{"anything-but": {"equals-ignore-case": "alice"}}]}, {"s": "ALICE"}, False),
    ({"s": [{"anything-but": {"wildcard": "*.tmp"}}]}, {"s": "x.tmp"}, False),
    ({"s": [{"anything-but": {"wildcard": ["*.tmp", "cache/*"]}}]}, {"s": "cache/x"}, False),
    ({"s": [{"anything-but": {"wildcard": ["*.tmp", "cache/*"]}}]}, {"s": "x.txt"}, True),
]


@pytest.mark.parametrize(("pattern", "event", "expected"), ANYTHING_BUT, ids=_ids(ANYTHING_BUT))
def test_anything_but(pattern: Any, event: Any, expected: bool) -> None:  # noqa: FBT001
    _check(pattern, event, expected)


NUMERIC: list[Case] = [
    ({"x": [{"numeric": ["=", 300]}]}, {"x": 300}, True),
    ({"x": [{"numeric": ["=", 3.0e2]}]}, {"x": 300.0}, True),
    ({"x": [{"numeric": ["=", 300]}]}, {"x": 300.5}, False),
    ({"x": [{"numeric": [">", 0, "<", 100]}]}, {"x": 50}, True),
    ({"x": [{"numeric": [">", 0, "<", 100]}]}, {"x": 0}, False),
    ({"x": [{"numeric": [">", 0, "<", 100]}]}, {"x": 100}, False),
    ({"x": [{"numeric": [">=", 0, "<=", 100]}]}, {"x": 0}, True),
    ({"x": [{"numeric": [">=", 0, "<=", 100]}]}, {"x": 100}, True),
    ({"x": [{"numeric": [">=", 0.5, "<", 0.75]}]}, {"x": 0.500001}, True),
    ({"x": [{"numeric": ["<", -1]}]}, {"x": -1}, False),
    ({"x": [{"numeric": ["<=", -1]}]}, {"x": -1}, True),
    ({"x": [{"numeric": [">", 10]}]}, {"x": [1, 2, 30]}, True),
    ({"x": [{"numeric": [">", 10]}]}, {"x": [1, 2, 3]}, False),
    ({"x": [{"numeric": [">", 0]}]}, {"x": "50"}, False),
    ({"x": [{"numeric": [">", 0]}]}, {"x": True}, False),
    ({"x": [{"numeric": [">", 0]}]}, {"x": 5_000_000_000}, True),
    ({"x": [{"numeric": [">", 0]}]}, {"x": 5_000_000_001}, False),
    ({"x": [{"numeric": [">", 0]}]}, {"x": 1.0000001}, False),
    ({"x": [{"numeric": [">", 0]}]}, {"x": 0.1 + 0.2}, False),
    ({"x": [{"numeric": ["=", 0.3]}]}, {"x": 0.3}, True),
    ({"x": [{"numeric": [">", 100]}, {"numeric": ["<", 0]}]}, {"x": -5}, True),
]


@pytest.mark.parametrize(("pattern", "event", "expected"), NUMERIC, ids=_ids(NUMERIC))
def test_numeric(pattern: Any, event: Any, expected: bool) -> None:  # noqa: FBT001
    _check(pattern, event, expected)


EXISTS: list[Case] = [
    ({"a": [{"exists": True}]}, {"a": "x"}, True),
    ({"a": [{"exists": True}]}, {"a": None}, True),
    ({"a": [{"exists": True}]}, {"a": [0]}, True),
    ({"a": [{"exists": True}]}, {}, False),
    ({"a": [{"exists": True}]}, {"a": {"b": 1}}, False),
    ({"a": [{"exists": True}]}, {"a": []}, False),
    ({"a": [{"exists": True}]}, {"a": [{}]}, False),
    ({"a": [{"exists": False}]}, {}, True),
    ({"a": [{"exists": False}]}, {"a": None}, False),
    ({"a": [{"exists": False}]}, {"a": {"b": 1}}, True),
    ({"a": [{"exists": False}]}, {"a": []}, True),
    ({"d": {"a": [{"exists": False}]}}, {"d": [{"b": 1}, {"a": 1}]}, False),
    ({"d": {"a": [{"exists": False}]}}, {"d": [{"b": 1}, {"c": 1}]}, True),
    ({"a": [{"exists": False}, "x"]}, {"a": "x"}, True),
    ({"a": [{"exists": False}, "x"]}, {}, True),
    ({"a": [{"exists": False}, "x"]}, {"a": "y"}, False),
]


@pytest.mark.parametrize(("pattern", "event", "expected"), EXISTS, ids=_ids(EXISTS))
def test_exists(pattern: Any, event: Any, expected: bool) -> None:  # noqa: FBT001
    _check(pattern, event, expected)


ADDRESSES: list[Case] = [
    ({"ip": [{"cidr": "10.0.0.0/24"}]}, {"ip": "10.0.0.255"}, True),
    ({"ip": [{"cidr": "10.0.0.0/24"}]}, {"ip": "10.0.1.0"}, False),
    ({"ip": [{"cidr": "10.0.0.0/24"}]}, {"ip": "10.0.0"}, False),
    ({"ip": [{"cidr": "10.0.0.0/24"}]}, {"ip": 10}, False),
    ({"ip": [{"cidr": "220.160.153.171/31"}]}, {"ip": "220.160.153.170"}, True),
    ({"ip": [{"cidr": "220.160.153.171/31"}]}, {"ip": "220.160.153.172"}, False),
    ({"ip": [{"cidr": "10.1.2.3/32"}]}, {"ip": "10.1.2.3"}, True),
    ({"ip": [{"cidr": "0.0.0.0/0"}]}, {"ip": "255.255.255.255"}, True),
    ({"ip": [{"cidr": "2001:db8::/32"}]}, {"ip": "2001:db8::1"}, True),
    ({"ip": [{"cidr": "2001:db8::/32"}]}, {"ip": "2001:DB8:ffff::1"}, True),
    ({"ip": [{"cidr": "2001:db8::/32"}]}, {"ip": "2001:db9::1"}, False),
    ({"ip": [{"cidr": "2001:db8::/32"}]}, {"ip": "10.0.0.1"}, False),
    ({"ip": [{"cidr": "10.0.0.0/24"}]}, {"ip": "::ffff:a00:1"}, True),
    ({"ip": ["10.0.0.1"]}, {"ip": "10.0.0.1"}, True),
    ({"ip": ["2001:db8::1"]}, {"ip": "2001:0db8:0:0:0:0:0:1"}, True),
    ({"ip": ["999.1.1.1"]}, {"ip": "999.1.1.1"}, True),
]


@pytest.mark.parametrize(("pattern", "event", "expected"), ADDRESSES, ids=_ids(ADDRESSES))
def test_addresses(pattern: Any, event: Any, expected: bool) -> None:  # noqa: FBT001
    _check(pattern, event, expected)


OR: list[Case] = [
    ({"$or": [{"a": [1]}, {"b": [2]}]}, {"b": 2}, True),
    ({"$or": [{"a": [1]}, {"b": [2]}]}, {"a": 2, "b": 1}, False),
    ({"source": ["s"], "$or": [{"a": [1]}, {"b": [2]}]}, {"source": "t", "a": 1}, False),
    ({"source": ["s"], "$or": [{"a": [1]}, {"b": [2]}]}, {"source": "s", "a": 1}, True),
    ({"detail": {"$or": [{"a": [1]}, {"b": {"c": [2]}}]}}, {"detail": {"b": {"c": 2}}}, True),
    (
        {"$or": [{"a": [1]}, {"b": [2], "$or": [{"c": [3]}, {"d": [4]}]}]},
        {"b": 2, "d": 4},
        True,
    ),
    (
        {"$or": [{"a": [1]}, {"b": [2], "$or": [{"c": [3]}, {"d": [4]}]}]},
        {"b": 2, "e": 4},
        False,
    ),
    ({"d": {"x": [1], "$or": [{"a": [1]}, {"b": [2]}]}}, {"d": [{"x": 1}, {"b": 2}]}, False),
    ({"d": {"x": [1], "$or": [{"a": [1]}, {"b": [2]}]}}, {"d": [{"x": 1, "b": 2}]}, True),
    ({"$or": [{"numeric": [">", 0]}, {"numeric": ["<", -10]}]}, {"$or": 5}, True),
    ({"$or": [{"numeric": [">", 0]}, {"numeric": ["<", -10]}]}, {"$or": -5}, False),
    ({"src": ["a"], "$or": {"x": ["y"]}}, {"src": "a", "$or": {"x": "y"}}, True),
]


@pytest.mark.parametrize(("pattern", "event", "expected"), OR, ids=_ids(OR))
def test_or(pattern: Any, event: Any, expected: bool) -> None:  # noqa: FBT001
    _check(pattern, event, expected)


ARRAYS: list[Case] = [
    ({"d": {"a": ["x"], "b": ["y"]}}, {"d": [{"a": "x", "b": "y"}]}, True),
    ({"d": {"a": ["x"], "b": ["y"]}}, {"d": [{"a": "x"}, {"b": "y"}]}, False),
    ({"d": {"a": ["x"], "b": ["y"]}}, {"d": [{"a": "x"}, {"b": "y"}, {"a": "x", "b": "y"}]}, True),
    ({"u": {"t": {"k": ["c"], "v": ["b"]}}}, {"u": [{"t": [{"k": "c"}, {"v": "b"}]}]}, False),
    ({"u": {"t": {"k": ["c"], "v": ["b"]}}}, {"u": [{"t": [{"k": "c", "v": "b"}]}]}, True),
    ({"d": {"a": ["x"], "b": ["y"]}}, {"d": [[{"a": "x"}], [{"b": "y"}]]}, False),
    ({"d": {"a": ["x"], "b": ["y"]}}, {"d": [[{"a": "x", "b": "y"}]]}, True),
    ({"d": {"tags": ["t"], "n": ["x"]}}, {"d": [{"tags": ["u", "t"], "n": "x"}]}, True),
    ({"users": {"name": ["al"]}, "v": ["1"]}, {"users": [{"name": "al"}], "v": "1"}, True),
    ({"d": {"a": [{"exists": True}], "b": [{"exists": False}]}}, {"d": [{"a": 1}]}, True),
    ({"d": {"a": [{"exists": True}], "b": [{"exists": False}]}}, {"d": [{"a": 1, "b": 2}]}, False),
    ({"d": {"a": [{"exists": True}], "b": [{"exists": False}]}}, {"d": [{"a": 1}, {"b": 2}]}, True),
]


@pytest.mark.parametrize(("pattern", "event", "expected"), ARRAYS, ids=_ids(ARRAYS))
def test_fields_of_objects_in_arrays_come_from_one_element(
    pattern: Any,
    event: Any,
    expected: bool,  # noqa: FBT001
) -> None:
    _check(pattern, event, expected)


def test_absence_is_checked_against_the_elements_chosen_by_fields_sorted_before_it() -> None:
    # event-ruler tests fields in name order: "a" (absent) is decided before "z" picks an
    # element, so an "a" in any element counts; "z" (absent) comes after "a" has picked one.
    a_first = compile_pattern({"d": {"a": [{"exists": False}], "z": ["1"]}})
    assert not a_first.matches({"d": [{"z": "1"}, {"a": "2"}]})
    assert a_first.matches({"d": [{"z": "1"}, {"b": "2"}]})
    z_last = compile_pattern({"d": {"z": [{"exists": False}], "a": ["1"]}})
    assert z_last.matches({"d": [{"a": "1"}, {"z": "2"}]})
    assert not z_last.matches({"d": [{"a": "1", "z": "2"}]})


def test_many_fields_that_may_be_absent() -> None:
    optional = {f"f{n}": [{"exists": False}, {"prefix": "x"}] for n in range(30)}
    pattern = compile_pattern({"source": ["s"], "detail": optional})
    assert pattern.matches({"source": "s", "detail": {"f1": "x1", "f29": "x2"}})
    assert pattern.matches({"source": "s", "detail": {}})
    assert not pattern.matches({"source": "s", "detail": {"f1": "x1", "f2": "y"}})
    assert not pattern.matches({"source": "t", "detail": {}})
    assert not pattern.matches({"source": "s", "detail": [{"f1": "y"}, {"f2": "x"}]})
    assert pattern.matches({"source": "s", "detail": [{"f1": "x"}, {"f2": "x"}]})


DOTTED: list[Case] = [
    ({"detail.state": ["on"]}, {"detail": {"state": "on"}}, True),
    ({"detail": {"state": ["on"]}}, {"detail.state": "on"}, True),
    ({"detail": {"state": ["on"]}}, {"detail.state": "off"}, False),
    ({"detail": {"a": ["1"], "b": ["2"]}}, {"detail": {"a": "1"}, "detail.b": "2"}, True),
    ({"detail": {"a": ["1"], "b": ["2"]}}, {"detail": [{"a": "1"}], "detail.b": "2"}, True),
    ({"detail": {"a": ["1"], "b": ["2"]}}, {"detail": [{"a": "1"}, {"b": "2"}]}, False),
    ({"detail": {"x": [{"exists": False}]}}, {"detail.x": 1}, False),
    ({"a": {"b.c": ["v"]}}, {"a.b": {"c": "v"}}, True),
]


@pytest.mark.parametrize(("pattern", "event", "expected"), DOTTED, ids=_ids(DOTTED))
def test_dotted_names_are_the_same_field_as_nested_ones(
    pattern: Any,
    event: Any,
    expected: bool,  # noqa: FBT001
) -> None:
    _check(pattern, event, expected)


def test_repeated_keys() -> None:
    last_wins = compile_pattern('{"x": ["y"], "x": ["z"]}')
    assert last_wins.matches({"x": "z"})
    assert not last_wins.matches({"x": "y"})
    merged = compile_pattern('{"d": {"a": ["1"]}, "d": {"b": ["2"]}}')
    assert merged.matches({"d": {"a": "1", "b": "2"}})
    assert not merged.matches({"d": {"b": "2"}})
    either = compile_pattern({"a": ["2"]})
    assert either.matches_json('{"a": "1", "a": "2"}')
    assert not either.matches_json('{"a": "1", "a": "3"}')
    both = compile_pattern({"d": {"a": ["1"], "b": ["2"]}})
    assert both.matches_json('{"d": {"a": "1"}, "d": {"b": "2"}}')


def test_source_is_compact_json_with_the_spellings_kept() -> None:
    assert compile_pattern('{ "a" : [ 1, 3.0e2 ] }').source == '{"a":[1,3.0e2]}'
    assert compile_pattern({"a": {"b": ["é"]}}).source == '{"a":{"b":["é"]}}'
    assert compile_pattern('{"x": ["y"], "x": ["z"]}').source == '{"x":["y"],"x":["z"]}'


def test_patterns_compare_by_source() -> None:
    first = compile_pattern('{"a": [1]}')
    assert first == compile_pattern({"a": [1]})
    assert first != compile_pattern({"a": [2]})
    assert isinstance(first, EventPattern)
    assert len({first, compile_pattern({"a": [1]})}) == 1


def test_events_must_be_objects() -> None:
    pattern = compile_pattern({"a": [1]})
    with pytest.raises(TypeError):
        pattern.matches([{"a": 1}])  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        pattern.matches_json("[1]")
    with pytest.raises(ValueError, match="Expecting"):
        pattern.matches_json("{")
