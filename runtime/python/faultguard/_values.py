"""Value encodings (SPEC §3): JSON data and bytes stay readable by every tool, everything else is pickled.

A value is stored as JSON only when JSON gives back exactly what was stored (a tuple would come
back as a list, a float subclass as a float), so every value comes back with its type.
"""
import json
import math
import pickle
from typing import Any, Tuple

JSON, BYTES, PICKLE = 1, 2, 3
_NAMES = {JSON: "json", BYTES: "bytes", PICKLE: "python-pickle"}
_SCALARS = (str, bool, type(None))


def encoding_name(tag: int) -> str:
    return _NAMES.get(tag, f"unknown-{tag}")


class Opaque:
    """A value not decoded: a pickle recover() does not trust, or a tag this client does not know (§2.7).

    Stored back unchanged. `unpickle()` is the user's own call.
    """

    __slots__ = ("tag", "data")

    def __init__(self, tag: int, data: bytes) -> None:
        if not 0 <= tag <= 255 or tag in (JSON, BYTES):
            raise ValueError(f"an opaque value has a tag from 0 to 255 other than json and bytes, not {tag}")
        self.tag = tag
        self.data = bytes(data)

    @property
    def encoding(self) -> str:
        return encoding_name(self.tag)

    def unpickle(self) -> Any:
        """Unpickles a `python-pickle` value. This runs code from the data: do it only with data you trust."""
        if self.tag != PICKLE:
            raise TypeError(f"a value encoded as {self.encoding} is not a pickle")
        return pickle.loads(self.data)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Opaque) and other.tag == self.tag and other.data == self.data

    def __hash__(self) -> int:
        return hash((self.tag, self.data))

    def __repr__(self) -> str:
        return f"Opaque({self.encoding}, {len(self.data)} bytes)"


def _is_json(value: Any, depth: int = 0) -> bool:
    """True when json.loads(json.dumps(value)) == value with every type the same (exact types, no subclasses)."""
    kind = type(value)
    if kind in _SCALARS:
        return True
    if kind is int:
        return value.bit_length() < 4096  # json.loads refuses ints of more than 4300 digits
    if kind is float:
        return math.isfinite(value)
    if depth > 200:  # deeper than this is left to pickle (and a container that holds itself is never JSON)
        return False
    if kind is list:
        return all(_is_json(item, depth + 1) for item in value)
    if kind is dict:
        return all(type(name) is str and _is_json(item, depth + 1) for name, item in value.items())
    return False


def json_bytes(value: Any, **options: Any) -> bytes:
    """JSON in UTF-8; a lone surrogate (a file name decoded with surrogateescape) is no UTF-8: then escaped as \\udXXX."""
    try:
        return json.dumps(value, ensure_ascii=False, **options).encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(value, **options).encode("ascii")


def encode(value: Any) -> Tuple[int, bytes]:
    """The (tag, bytes) a value is stored as; pickling errors propagate, as with the original."""
    kind = type(value)
    if kind is bytes:
        return BYTES, value
    if kind is str:
        return JSON, json_bytes(value)
    if kind is Opaque:
        if value.tag == 0:  # the tag of Delete and Clear: a Set never uses it (§3)
            raise ValueError("an opaque value cannot be stored with tag 0: it is reserved for Delete and Clear records (tags 1 to 255)")
        return value.tag, value.data
    if _is_json(value):
        return JSON, json_bytes(value, separators=(",", ":"), allow_nan=False)
    return PICKLE, pickle.dumps(value, protocol=pickle.DEFAULT_PROTOCOL)


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def decode(tag: int, raw: bytes, unpickle: bool) -> Any:
    """The value of stored bytes. A pickle is unpickled only if `unpickle` (the trust rule, README); unknown tags stay Opaque."""
    if tag == JSON:
        return json.loads(raw.decode("utf-8"), parse_constant=_refuse_constant)
    if tag == BYTES:
        return bytes(raw)
    if tag == PICKLE and unpickle:
        return pickle.loads(raw)
    return Opaque(tag, raw)
