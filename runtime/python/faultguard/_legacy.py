"""Autosaves of the original faultguard 1.1.x: an .xz file holding a pickled dict of pickled values.

Read under the trust rule (_trust.py): a trusted file is unpickled as the original does; for any
other, the outer dict is read by an unpickler that refuses every class and function, so no code
from the file runs, and its values stay Opaque pickles.
"""
import io
import lzma
import os
import pickle
from typing import Any, Dict, Tuple

from ._errors import AutosaveError
from ._values import PICKLE

XZ_MAGIC = b"\xfd7zXZ\x00"


class _NoCode(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        raise pickle.UnpicklingError(f"it needs {module}.{name}, and loading that runs code")


def _decompress(path: str, fd: int, max_bytes: int) -> bytes:
    decoder = lzma.LZMADecompressor(lzma.FORMAT_AUTO, memlimit=256 << 20)
    out = bytearray()
    offset = 0
    while not decoder.eof:
        chunk = os.pread(fd, 1 << 20, offset) if decoder.needs_input else b""
        if decoder.needs_input and not chunk:
            raise AutosaveError(path, "invalid", "damaged data: the xz data is cut short")
        offset += len(chunk)
        try:
            out += decoder.decompress(chunk, max_length=max_bytes + 1 - len(out))
        except lzma.LZMAError as error:
            raise AutosaveError(path, "invalid", f"not a readable faultguard 1.1 autosave: {error}") from None
        if len(out) > max_bytes:
            raise AutosaveError(path, "too-large", f"data of more than {max_bytes} bytes (raise the limit to read it)")
    return bytes(out)


def read(path: str, fd: int, trusted: bool, max_bytes: int) -> Dict[Any, Tuple[int, bytes]]:
    """The entries of a 1.1.x autosave: each key with its value's pickle (tag python-pickle)."""
    data = _decompress(path, fd, max_bytes)
    try:
        outer = pickle.loads(data) if trusted else _NoCode(io.BytesIO(data)).load()
    except Exception as error:
        hint = "" if trusted else " (the file is not trusted, so nothing in it that needs code is loaded)"
        raise AutosaveError(path, "invalid", f"faultguard 1.1 autosave cannot be read{hint}: {error}") from None
    if not isinstance(outer, dict) or not all(isinstance(value, bytes) for value in outer.values()):
        raise AutosaveError(path, "invalid", "not a faultguard 1.1 autosave: not a dict of pickled values")
    return {key: (PICKLE, value) for key, value in outer.items()}
