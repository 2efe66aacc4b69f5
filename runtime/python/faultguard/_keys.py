"""Keys as the original accepts them (SPEC §2.3): a str as UTF-8, an int as its decimal digits, anything else hashable pickled.

A pickled key carries a readable label (its repr) before the pickle, so that tools that never
unpickle can still show it.
"""
import pickle
import struct
from typing import Any, Tuple

from . import _journal

_LABEL_LENGTH = struct.Struct("<H")
MAX_LABEL_CHARACTERS = 120


class OpaqueKey:
    """A typed key not decoded: pickled in a file recover() does not trust, or of a kind this client does not know."""

    __slots__ = ("kind", "data")

    def __init__(self, kind: int, data: bytes) -> None:
        self.kind = kind
        self.data = bytes(data)

    @property
    def label(self) -> str:
        return label_of(_journal.TypedKey(self.kind, self.data))

    def unpickle(self) -> Any:
        """The key itself. Unpickling runs code from the data: do it only with data you trust."""
        if self.kind != _journal.KEY_PICKLE:
            raise TypeError(f"a key of kind {self.kind} is not a pickle")
        (length,) = _LABEL_LENGTH.unpack_from(self.data, 0)
        return pickle.loads(self.data[2 + length:])

    def __eq__(self, other: object) -> bool:
        return isinstance(other, OpaqueKey) and (other.kind, other.data) == (self.kind, self.data)

    def __hash__(self) -> int:
        return hash((OpaqueKey, self.kind, self.data))

    def __repr__(self) -> str:
        return f"OpaqueKey({self.label})"


def shown(key: Any, limit: int = MAX_LABEL_CHARACTERS) -> str:
    """A key as people read it: its repr, cut to `limit` characters with "…"."""
    try:
        text = repr(key)
    except Exception:  # a repr that fails must not make the key unstorable
        text = f"<{type(key).__name__}>"
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _label(key: Any) -> bytes:
    return shown(key).encode("utf-8", "backslashreplace")


def encode(key: Any) -> Tuple[int, int, bytes]:
    """(Set type, Delete type, key field) of a key; TypeError for an unhashable key, as a dict raises."""
    kind = type(key)
    if kind is str:
        try:
            return _journal.SET, _journal.DELETE, key.encode("utf-8")
        except UnicodeEncodeError:
            pass  # a lone surrogate: not UTF-8, so pickled below (U+FFFD in its place would merge keys)
    elif kind is int:
        try:
            return _journal.SET_TYPED, _journal.DELETE_TYPED, b"\x01" + str(key).encode("ascii")
        except ValueError:
            pass  # more digits than int-to-str allows: pickled below
    hash(key)
    pickled = pickle.dumps(key, protocol=pickle.DEFAULT_PROTOCOL)
    label = _label(key)
    return _journal.SET_TYPED, _journal.DELETE_TYPED, b"\x02" + _LABEL_LENGTH.pack(len(label)) + label + pickled


def decode(key: "_journal.JournalKey", unpickle: bool) -> Any:
    """The Python key a journal key stands for; a pickled one stays an OpaqueKey unless `unpickle`."""
    if isinstance(key, str):
        return key
    if key.kind == _journal.KEY_INT:
        return int(key.data)
    opaque = OpaqueKey(key.kind, key.data)
    return opaque.unpickle() if unpickle and key.kind == _journal.KEY_PICKLE else opaque


def label_of(key: "_journal.JournalKey") -> str:
    """How a key reads for people, without unpickling anything."""
    if isinstance(key, str):
        return repr(key)
    if key.kind == _journal.KEY_INT:
        return key.data.decode("ascii")
    if key.kind == _journal.KEY_PICKLE:
        (length,) = _LABEL_LENGTH.unpack_from(key.data, 0)
        return key.data[2:2 + length].decode("utf-8")
    return f"<key of kind {key.kind}, {len(key.data)} bytes>"
