"""C literal spellings → values: integer constants with their C type, characters, strings."""
from __future__ import annotations

import re

_ESCAPES = {"n": 10, "t": 9, "r": 13, "0": 0, "a": 7, "b": 8, "f": 12, "v": 11, "e": 27,
            "\\": 92, "'": 39, '"': 34, "?": 63}
_ESCAPE = re.compile(r"\\(x[0-9a-fA-F]+|[0-7]{1,3}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.)", re.S)
_PART = re.compile(r'(?:u8|u|U|L)?"((?:\\.|[^"\\])*)"', re.S)


def _unescape(body: str) -> bytes:
    out = bytearray()
    pos = 0
    for m in _ESCAPE.finditer(body):
        out += body[pos:m.start()].encode("utf-8", "surrogateescape")
        esc = m.group(1)
        if esc[0] == "x":
            out.append(int(esc[1:], 16) & 0xFF)
        elif esc[0] in "01234567":
            out.append(int(esc, 8) & 0xFF)
        elif esc[0] in "uU":
            out += chr(int(esc[1:], 16)).encode("utf-8")
        else:
            out.append(_ESCAPES.get(esc, ord(esc) & 0xFF))
        pos = m.end()
    out += body[pos:].encode("utf-8", "surrogateescape")
    return bytes(out)


def string_bytes(spelling: str) -> bytes:
    """Bytes of a string literal (adjacent literals concatenated), without the terminating NUL."""
    return b"".join(_unescape(m.group(1)) for m in _PART.finditer(spelling))


def char_value(spelling: str) -> int:
    """Value of a character constant as C's `int` (plain char is signed on BPF)."""
    body = spelling[spelling.index("'") + 1:-1]
    data = _unescape(body)
    value = 0
    for b in data:  # multi-character constants, as GCC and clang compute them
        value = ((value << 8) | b) & 0xFFFFFFFF
    if len(data) == 1 and value >= 0x80:
        value -= 0x100
    elif value >= 0x80000000:
        value -= 1 << 32
    return value


def integer_value(spelling: str) -> tuple[int, bool, int, bool]:
    """Integer constant → (value, unsigned suffix, long count, decimal).

    C picks the type from the value, the suffix and whether the spelling is
    decimal (decimal constants never become unsigned implicitly); the checker
    does that with the target's type sizes.
    """
    s = spelling.replace("'", "")
    m = re.match(r"^(0[xX][0-9a-fA-F]+|0[bB][01]+|[0-9]+)([uUlL]*)$", s)
    if not m:
        raise ValueError(spelling)
    digits, suffix = m.groups()
    if digits[:2] in ("0x", "0X"):
        value, decimal = int(digits[2:], 16), False
    elif digits[:2] in ("0b", "0B"):
        value, decimal = int(digits[2:], 2), False
    elif digits != "0" and digits.startswith("0"):
        value, decimal = int(digits, 8), False
    else:
        value, decimal = int(digits), True
    suffix = suffix.lower()
    return value, "u" in suffix, suffix.count("l"), decimal
