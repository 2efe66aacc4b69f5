"""Value encodings (SPEC §3): JSON and bytes interoperate with every client; pickle only on request."""
import json
import math
import pickle
from typing import Any, Tuple

JSON, BYTES, PICKLE = 1, 2, 3
_NAMES = {JSON: "json", BYTES: "bytes", PICKLE: "python-pickle"}


def encoding_name(tag: int) -> str:
    return _NAMES.get(tag, f"unknown-{tag}")


class Pickled:
    """Asks for a value to be stored pickled (tag 3): `data["k"] = Pickled(obj)`.

    Only Python can read such a value, and only by unpickling it, which runs code: no Faultguard
    tool ever does. It comes back as an `Opaque` value; `Opaque.unpickle()` is the user's own call.
    """

    __slots__ = ("value", "protocol")

    def __init__(self, value: Any, protocol: int = pickle.DEFAULT_PROTOCOL) -> None:
        self.value = value
        self.protocol = protocol


class Opaque:
    """A value this client does not decode: a pickle, or a tag it does not know (§2.7). Stored back unchanged."""

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


def encode(key: str, value: Any) -> Tuple[int, bytes]:
    """The (tag, bytes) a value is stored as; TypeError naming the key for what JSON would lose or cannot hold."""
    if isinstance(value, Opaque):
        if value.tag == 0:  # the tag of Delete and Clear: a Set never uses it (§3)
            raise TypeError(f"faultguard: cannot store {key!r}: tag 0 is reserved")
        return value.tag, value.data
    if isinstance(value, Pickled):
        return PICKLE, pickle.dumps(value.value, protocol=value.protocol)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return BYTES, bytes(value)
    if not isinstance(value, (str, int, float, list, tuple, dict, type(None))):
        # Anything with the buffer protocol (array.array, a numpy array) is bytes, as typed arrays
        # are for the TypeScript client: its raw memory, in C order.
        try:
            view = memoryview(value)
        except TypeError:
            pass
        else:
            if view.ndim == 0:  # a scalar (numpy.float64(1.5), ctypes.c_int(5)): its raw bytes would lose what it is
                raise TypeError(f"faultguard: cannot store {key!r}: a {type(value).__name__} is a scalar, not an array "
                                "of bytes (store it as a number, e.g. value.item(), or as faultguard.Pickled(value))")
            return BYTES, view.tobytes()
    _check_json(key, value)
    try:
        return JSON, _dumps(key, value, False).encode("utf-8")
    except UnicodeEncodeError:
        # A lone surrogate in a string: escaped as \udXXX it is valid JSON text that every reader
        # decodes as it was; written raw it would be ill-formed UTF-8.
        return JSON, _dumps(key, value, True).encode("ascii")


def _dumps(key: str, value: Any, ensure_ascii: bool) -> str:
    try:
        return json.dumps(value, ensure_ascii=ensure_ascii, separators=(",", ":"), allow_nan=False)
    except RecursionError:  # nesting deeper than the interpreter's recursion limit
        raise TypeError(f"faultguard: cannot store {key!r}: it is nested too deeply for JSON") from None


_LEAVE = object()  # on the stack after a container's members: the walk has left that container


def _check_json(key: str, value: Any) -> None:
    """Refuses what json.dumps would store as something else (non-string dict keys, NaN) or cannot store.

    A container that holds itself (`a.append(a)`) is refused too: json.dumps would recurse for ever.
    """
    path = set()  # the ids of the containers from `value` down to the item being looked at
    stack: list = [value]
    while stack:
        item = stack.pop()
        if item is _LEAVE:
            path.discard(id(stack.pop()))
            continue
        if item is None or isinstance(item, (str, bool, int)):
            continue
        if isinstance(item, float):
            if not math.isfinite(item):
                raise TypeError(f"faultguard: cannot store {key!r}: {item} is not a JSON number")
            continue
        if isinstance(item, (list, tuple, dict)):
            if id(item) in path:
                raise TypeError(f"faultguard: cannot store {key!r}: a {type(item).__name__} in it contains itself, "
                                "which JSON cannot hold")
            path.add(id(item))
            stack += (item, _LEAVE)
        if isinstance(item, (list, tuple)):
            stack.extend(item)
        elif isinstance(item, dict):
            for name, member in item.items():
                if not isinstance(name, str):
                    raise TypeError(f"faultguard: cannot store {key!r}: a dict key {name!r} is not a string, "
                                    "and JSON would turn it into one")
                stack.append(member)
        else:
            raise TypeError(f"faultguard: cannot store {key!r}: a {type(item).__name__} is neither JSON data nor bytes "
                            "(store it as faultguard.Pickled(value) to pickle it explicitly)")


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def decode(tag: int, raw: bytes) -> Any:
    """The value of stored bytes; decoding never runs code (§3): pickles and unknown tags stay Opaque."""
    if tag == JSON:
        return json.loads(raw.decode("utf-8"), parse_constant=_refuse_constant)
    if tag == BYTES:
        return bytes(raw)
    return Opaque(tag, raw)
