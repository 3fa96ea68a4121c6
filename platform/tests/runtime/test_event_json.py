"""An event's JSON: read as json.loads reads it and written as json.dumps writes it, whichever
library does the work."""

from __future__ import annotations

import json
import math
import random
import re
import struct
from typing import Any

import pytest
from ordermesh_platform.runtime.event_json import dumps, parse_detail


def _standard(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


def _same(text: str) -> tuple[Any, bool]:
    """What parse_detail reads, checked against json.loads, and its text against json.dumps."""
    value, whole = parse_detail(text)
    expected = json.loads(text)
    assert repr(value) == repr(expected)  # same types too: 1 is not 1.0, nor True
    assert dumps(value, whole=whole) == _standard(expected)
    return value, whole


@pytest.mark.parametrize(
    ("text", "whole"),
    [
        ('{"a":1,"b":[true,false,null],"c":{"d":"e"}}', True),
        ('{"big":18446744073709551616,"small":-9223372036854775809}', True),  # over 64 bits
        ('{"u64":18446744073709551615,"zero":-0}', True),
        ('{"a":1,"a":2,"b":3}', True),  # a repeated key: the last value, the first place
        ('{"text":"caf\\u00e9 \\u2028 \\ud83d\\ude00 \\u007f \\u0000 \\u001f \\/"}', True),
        ('{"raw":"café"}', True),
        ('{"lone":"\\ud800"}', True),  # a lone surrogate
        ('{"amount":12.5,"tiny":0.00001,"huge":1e16,"exp":1E+2,"neg":-0.0}', False),
        ('{"x":NaN,"y":Infinity,"z":-Infinity}', False),
        ('{"overflow":1e400,"underflow":1e-400}', False),
        ('  {"spaced" : [ 1 , 2 ] }  ', True),
        ("[" * 300 + "]" * 300, True),  # deeper than orjson writes
    ],
)
def test_detail_is_read_and_written_as_json_reads_and_writes_it(text: str, whole: bool) -> None:  # noqa: FBT001
    assert _same(text)[1] is whole


@pytest.mark.parametrize("text", ["", "{", '{"a":01}', "\ufeff{}", '{"a":"\x01"}', "[1,]", "nan"])
def test_malformed_detail_raises_as_json_loads_raises(text: str) -> None:
    try:
        json.loads(text)
    except ValueError as error:
        expected = error
    with pytest.raises(type(expected), match="^" + re.escape(str(expected)) + "$"):
        parse_detail(text)


def test_every_ascii_character_and_beyond_is_written_as_json_writes_it() -> None:
    for code in [*range(0x80), 0xA0, 0xE9, 0x2028, 0xFEFF, 0x1F600]:
        text = f"a{chr(code)}b"
        assert dumps({"s": text, chr(code): 1}, whole=True) == _standard({"s": text, chr(code): 1})


def test_whole_numbers_and_random_documents_are_written_as_json_writes_them() -> None:
    rng = random.Random(21)
    for _ in range(2000):
        document = _random_value(rng, depth=0)
        _same(json.dumps({"d": document}))


def test_numbers_with_fractions_are_never_written_by_orjson() -> None:
    rng = random.Random(5)
    for _ in range(20000):
        number = struct.unpack("d", rng.getrandbits(64).to_bytes(8, "little"))[0]
        if math.isfinite(number):
            value, whole = _same(json.dumps({"n": number, "k": 10 ** rng.randint(0, 25)}))
            assert not whole
            assert value["n"] == number


def _random_value(rng: random.Random, depth: int) -> Any:
    kind = rng.randint(0, 6 if depth < 4 else 3)
    if kind == 0:
        return rng.choice([None, True, False])
    if kind == 1:
        return rng.choice([0, -1, 2**63 - 1, -(2**63), 2**64 - 1, 2**64, -(2**63) - 1, 10**30])
    if kind == 2:
        return rng.randint(-(10**12), 10**12)
    if kind == 3:
        codes = [*range(0x20, 0x80), 0x7F, 0xE9, 0x0A, 0x22, 0x5C]
        return "".join(chr(rng.choice(codes)) for _ in range(rng.randint(0, 12)))
    if kind == 4:
        return [_random_value(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    return {
        f"k{rng.randint(0, 5)}": _random_value(rng, depth + 1) for _ in range(rng.randint(0, 4))
    }
