"""Value-level rules shared by the compiler and the matcher.

Numbers are compared as event-ruler's ``ComparableNumber`` does: a number takes part in numeric
matching only if it lies within -5e9..5e9 and has at most six digits after the decimal point;
otherwise it is matched by its JSON spelling only. Strings that look like IPv4 or IPv6 literals
(the same regular expressions as event-ruler) are compared as addresses. Case-insensitive
matching follows event-ruler's per-character rule: each character of the pattern accepts its own
lower-case or upper-case form. Wildcards accept ``*`` (any run of characters) and the escapes
``\\*`` and ``\\\\``.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Final

NUMERIC_LIMIT: Final = 5_000_000_000
MAX_DECIMALS: Final = 6
_LIMIT_DECIMAL: Final = Decimal(NUMERIC_LIMIT)


class JsonNumber:
    """A JSON number as it was spelled, with its comparable value worked out on first use."""

    __slots__ = ("_comparable", "_known", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self._known = False
        self._comparable: float | None = None

    @property
    def comparable(self) -> float | None:
        if not self._known:
            self._comparable = comparable_from_text(self.text)
            self._known = True
        return self._comparable

    def __repr__(self) -> str:
        return f"JsonNumber({self.text!r})"


class NumberError(ValueError):
    """A number that numeric matching cannot represent."""


def decimal_or_raise(text: str) -> Decimal:
    """The number spelled ``text`` if numeric matching can represent it, else NumberError."""
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise NumberError(f"Not a number: {text}") from None
    if not number.is_finite():
        raise NumberError(f"Not a number: {text}")
    exponent = number.normalize().as_tuple().exponent
    if isinstance(exponent, int) and exponent < -MAX_DECIMALS:
        raise NumberError(f"Only values upto {MAX_DECIMALS} decimals are supported: {text}")
    if abs(number) > _LIMIT_DECIMAL:
        raise NumberError(
            f"Value must be between -{NUMERIC_LIMIT:.1e} and {NUMERIC_LIMIT:.1e}, inclusive: {text}"
        )
    return number


def comparable_from_text(text: str) -> float | None:
    """The value numeric matching uses for a number spelled ``text``, or None if it has none.

    Within the limits two different numbers map to two different doubles in the same order, so
    comparing doubles is exact.
    """
    try:
        return float(decimal_or_raise(text))
    except NumberError:
        return None


def comparable_int(value: int) -> int | None:
    return value if -NUMERIC_LIMIT <= value <= NUMERIC_LIMIT else None


_SCALE: Final = 1e6


def comparable_float(value: float) -> float | None:
    """``value`` if numeric matching can use it: within the limits, at most six decimals.

    ``value * 1e6`` being whole and dividing back to ``value`` proves a six-decimal spelling
    that reads back as ``value``; ``round`` settles the rare values that test cannot.
    """
    if not -NUMERIC_LIMIT <= value <= NUMERIC_LIMIT:
        return None
    scaled = value * _SCALE
    if scaled.is_integer() and scaled / _SCALE == value:
        return value
    return value if round(value, MAX_DECIMALS) == value else None


def float_text(value: float) -> str:
    return repr(value)


_IPV4: Final = re.compile(r"[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+")
_IPV6: Final = re.compile(r"[0-9a-fA-F:]*:[0-9a-fA-F:]*")
_IPV4_BITS: Final = 32
_IPV6_BITS: Final = 128
_OCTET_MAX: Final = 255

IpAddress = tuple[int, int]
"""An address as (bits, integer): 32 for IPv4 (IPv4-mapped IPv6 included), 128 for IPv6."""


def looks_like_ip(text: str) -> bool:
    return _IPV4.fullmatch(text) is not None or _IPV6.fullmatch(text) is not None


def parse_ip(text: str) -> IpAddress | None:
    """The address spelled ``text``, or None if it is not an IPv4/IPv6 literal."""
    if _IPV4.fullmatch(text):
        octets = [int(part) for part in text.split(".")]
        if any(octet > _OCTET_MAX for octet in octets):
            return None
        return _IPV4_BITS, (octets[0] << 24) | (octets[1] << 16) | (octets[2] << 8) | octets[3]
    if _IPV6.fullmatch(text):
        try:
            address = ipaddress.IPv6Address(text)
        except ValueError:
            return None
        mapped = address.ipv4_mapped
        if mapped is not None:
            return _IPV4_BITS, int(mapped)
        return _IPV6_BITS, int(address)
    return None


IpRange = tuple[int, int, int]
"""(bits, lowest, highest) of an address range, inclusive."""


class CidrError(ValueError):
    """A CIDR block that cannot be parsed."""


_MASK: Final = re.compile(r"[+-]?[0-9]+")
_STAR: Final = 0x2A
_BACKSLASH: Final = 0x5C


def parse_cidr(text: str) -> IpRange:
    parts = text.split("/")
    while parts and not parts[-1]:
        parts.pop()
    if len(parts) != 2:  # noqa: PLR2004 - address and mask
        raise CidrError("Malformed CIDR, one '/' required")
    if not _MASK.fullmatch(parts[1]):
        raise CidrError("Malformed CIDR, mask bits must be an integer")
    mask = int(parts[1])
    if mask < 0:
        raise CidrError("Malformed CIDR, mask bits must not be negative")
    if not looks_like_ip(parts[0]):
        raise CidrError(f"Nonstandard IP address: {parts[0]}")
    address = parse_ip(parts[0])
    if address is None:
        raise CidrError(f"Invalid IP address: {parts[0]}")
    bits, value = address
    if mask > bits:
        raise CidrError(f"IPv{4 if bits == _IPV4_BITS else 6} mask bits must be <= {bits}")
    host = (1 << (bits - mask)) - 1
    return bits, value & ~host, value | host


def ip_literal_range(text: str) -> IpRange | None:
    """A one-address range if ``text`` is an IP literal, as a plain string value in a pattern."""
    address = parse_ip(text)
    if address is None:
        return None
    return address[0], address[1], address[1]


class WildcardError(ValueError):
    """A wildcard value that cannot be parsed."""


def parse_wildcard(text: str) -> list[str | None]:
    """Literal runs and ``None`` for each ``*``; positions in errors count the opening quote."""
    data = text.encode("utf-8", "surrogatepass")
    parts: list[str | None] = []
    run = bytearray()
    i = 0
    while i < len(data):
        byte = data[i]
        if byte == _STAR:
            if i + 1 < len(data) and data[i + 1] == _STAR:
                raise WildcardError(f"Consecutive wildcard characters at pos {i + 1}")
            parts.extend([run.decode("utf-8", "surrogatepass"), None])
            run = bytearray()
        elif byte == _BACKSLASH:
            if i + 1 < len(data) and data[i + 1] in {_STAR, _BACKSLASH}:
                run.append(data[i + 1])
                i += 2
                continue
            raise WildcardError(f"Invalid escape character at pos {i + 1}")
        else:
            run.append(byte)
        i += 1
    parts.append(run.decode("utf-8", "surrogatepass"))
    return [part for part in parts if part != ""]


def wildcard_matcher(text: str) -> Callable[[str], bool]:
    """A test of whole strings against the wildcard value ``text`` (already validated)."""
    parts = parse_wildcard(text)
    if None not in parts:
        whole = "".join(part for part in parts if part is not None)
        return whole.__eq__
    shape = tuple(part is None for part in parts)
    if shape == (True,):
        return _always
    if shape == (True, False):
        tail = str(parts[1])
        return lambda value: value.endswith(tail)
    if shape == (False, True):
        head = str(parts[0])
        return lambda value: value.startswith(head)
    if shape == (True, False, True):
        middle = str(parts[1])
        return lambda value: middle in value
    regex = re.compile(
        "".join(".*" if part is None else re.escape(part) for part in parts), re.DOTALL
    )
    return lambda value: regex.fullmatch(value) is not None


def _always(_value: str) -> bool:
    return True


def java_order(name: str) -> bytes:
    """A sort key that orders strings as Java's ``String.compareTo`` does (by UTF-16 unit)."""
    return name.encode("utf-16-be", "surrogatepass")


_MAX_BMP: Final = 0xFFFF


def case_forms(char: str) -> list[str]:
    if ord(char) > _MAX_BMP:
        return [char]
    return sorted({char.lower(), char.upper()})


def ignore_case_matcher(text: str, where: str) -> Callable[[str], bool]:
    """A case-insensitive test of strings: ``where`` is "equals", "prefix" or "suffix"."""
    if text.isascii():
        return _ascii_ignore_case(text, where)
    body = "".join(
        "(?:" + "|".join(re.escape(form) for form in case_forms(char)) + ")" for char in text
    )
    if where == "equals":
        regex = re.compile(body, re.DOTALL)
        return lambda value: regex.fullmatch(value) is not None
    if where == "prefix":
        regex = re.compile(body, re.DOTALL)
        return lambda value: regex.match(value) is not None
    regex = re.compile(f"(?:{body})\\Z", re.DOTALL)
    return lambda value: regex.search(value) is not None


def _ascii_ignore_case(text: str, where: str) -> Callable[[str], bool]:
    """An ASCII pattern accepts ASCII letters only, one per pattern character."""
    lowered = text.lower()
    size = len(text)
    if where == "equals":
        return lambda value: len(value) == size and value.isascii() and value.lower() == lowered
    if where == "prefix":

        def prefix(value: str) -> bool:
            head = value[:size]
            return len(head) == size and head.isascii() and head.lower() == lowered

        return prefix
    if not size:
        return _always

    def suffix(value: str) -> bool:
        tail = value[-size:]
        return len(tail) == size and tail.isascii() and tail.lower() == lowered

    return suffix
