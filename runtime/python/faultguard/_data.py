"""The dict-like data objects: writable in the guarded program, read-only in a rescue or a recovery."""
import os
import threading
from collections.abc import Mapping, MutableMapping
from typing import Any, Dict, Iterator, Optional, Tuple

from . import _journal, _values


def _key_bytes(key: Any) -> bytes:
    if not isinstance(key, str):
        raise TypeError(f"faultguard: keys are strings, not {type(key).__name__}")
    try:
        return key.encode("utf-8")
    except UnicodeEncodeError:
        # A lone surrogate: U+FFFD in its place would merge distinct keys (§2.3).
        raise TypeError(f"faultguard: key {key!r} is not well-formed Unicode") from None


def _write_all(fd: int, parts: Tuple[bytes, ...], offset: int) -> None:
    """Positioned writes until every byte is written (§4.4): a short write continues where it stopped."""
    views = [memoryview(part) for part in parts if len(part)]
    while views:
        written = os.pwritev(fd, views, offset)
        if written <= 0:
            raise OSError("write to the journal made no progress")
        offset += written
        while views and written >= len(views[0]):
            written -= len(views.pop(0))
        if views and written:
            views[0] = views[0][written:]


def _read_exactly(fd: int, size: int, offset: int) -> bytes:
    chunks = []
    while size > 0:
        chunk = os.pread(fd, size, offset)
        if not chunk:
            raise OSError(f"the journal ends before offset {offset + size}")
        chunks.append(chunk)
        size -= len(chunk)
        offset += len(chunk)
    return b"".join(chunks)


class FaultguardDict(MutableMapping):  # type: ignore[type-arg]
    """The guarded program's data: a dict whose every assignment is safe from the program's death once it returns.

    Each change is one record written into the journal with a positioned write (§4.4); the object
    keeps only where each value is and reads values back from the journal, so `data[k]` is always a
    fresh copy, as with the original's pickled values.
    """

    def __init__(self, fd: int, path: str, live: Dict[str, _journal.Location], end: int) -> None:
        self._fd = fd
        self._path = path
        self._live = live
        self._end = end
        self._pid = os.getpid()
        self._lock = threading.Lock()  # threads of one process share one end offset

    @property
    def journal_path(self) -> str:
        return self._path

    def __getitem__(self, key: str) -> Any:
        tag, raw = self.raw(key)
        return _values.decode(tag, raw)

    def raw(self, key: str) -> Tuple[int, bytes]:
        """The stored encoding tag and bytes of a value, exactly as in the journal."""
        location = self._live[key]
        return location.tag, _read_exactly(self._fd, location.size, location.offset)

    def __setitem__(self, key: str, value: Any) -> None:
        key_bytes = _key_bytes(key)
        tag, encoded = _values.encode(key, value)
        self._append(_journal.SET, tag, key_bytes, encoded, key)

    def __delitem__(self, key: str) -> None:
        if key not in self._live:
            raise KeyError(key)  # nothing to write for an absent key (§4.4)
        self._append(_journal.DELETE, 0, _key_bytes(key), b"", key)

    def clear(self) -> None:
        self._append(_journal.CLEAR, 0, b"", b"", None)  # one record, not one Delete per key

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._live))  # a snapshot: the loop's body may change the data

    def __len__(self) -> int:
        return len(self._live)

    def __contains__(self, key: object) -> bool:
        return key in self._live

    def __repr__(self) -> str:
        return f"<FaultguardDict {len(self._live)} entries in {self._path}>"

    def _append(self, rtype: int, tag: int, key_bytes: bytes, value: bytes, key: Optional[str]) -> None:
        if os.getpid() != self._pid:
            raise RuntimeError("faultguard: one writer per journal; this process was forked from the one that connected")
        head, value = _journal.encode_record(rtype, tag, key_bytes, value)
        with self._lock:
            start = self._end
            try:
                _write_all(self._fd, (head, value), start)
            except BaseException:  # an OSError, or a KeyboardInterrupt between two writes
                try:
                    os.ftruncate(self._fd, start)  # the next record overwrites the torn bytes otherwise
                except OSError:
                    pass
                raise
            self._end = start + len(head) + len(value)
            # The view changes only once the record is written: a failed write leaves the old value live.
            if rtype == _journal.SET and key is not None:
                self._live[key] = _journal.Location(tag, start + len(head), len(value))
            elif rtype == _journal.DELETE:
                self._live.pop(key, None)  # type: ignore[arg-type]
            else:
                self._live.clear()


class RescuedData(Mapping):  # type: ignore[type-arg]
    """Data handed to a rescue or a recovery: read-only; `exit` is the exit record (§5), or None if unknown.

    `fallback` is None, or, when recover() read the previous generation, why the newest could not be read.
    """

    def __init__(self, entries: Dict[str, Tuple[int, bytes]], exit: Optional[Dict[str, Any]]) -> None:
        self._entries = entries
        self.exit = exit
        self.fallback: Optional[str] = None  # recover(): why the newest generation could not be read, if it was not

    @classmethod
    def from_journal(cls, journal: bytes, exit: Optional[Dict[str, Any]]) -> "RescuedData":
        found = _journal.scan(journal)
        view = memoryview(journal)
        entries = {key: (loc.tag, bytes(view[loc.offset:loc.offset + loc.size])) for key, loc in found.live.items()}
        return cls(entries, exit)

    def __getitem__(self, key: str) -> Any:
        tag, raw = self._entries[key]
        return _values.decode(tag, raw)

    def raw(self, key: str) -> Tuple[int, bytes]:
        """The stored encoding tag and bytes of a value, exactly as the program stored them."""
        return self._entries[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def __repr__(self) -> str:
        return f"<RescuedData {len(self._entries)} entries>"
