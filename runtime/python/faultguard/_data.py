"""The dict-like data objects: writable in the guarded program, read-only in a rescue or a recovery."""
import mmap
import os
import struct
import sys
import threading
import zlib
from collections.abc import Mapping, MutableMapping
from typing import Any, Dict, Iterator, Optional, Protocol, Tuple

from . import _journal, _keys, _values
from ._files import unlink_quietly
from ._resume import Resumed

# Incremented in every forked child: a data object belongs to the process that opened it (§4.4).
_generation = 0


def _forked() -> None:
    global _generation
    _generation += 1


os.register_at_fork(after_in_child=_forked)


def _write_all(fd: int, parts: Tuple[bytes, ...], offset: int) -> None:
    """Positioned writes until every byte is written (§4.4): a short write continues where it stopped."""
    views = [memoryview(part) for part in parts if len(part)]
    while views:
        written = os.pwritev(fd, views, offset) if len(views) > 1 else os.pwrite(fd, views[0], offset)
        if written <= 0:
            raise OSError("write to the journal made no progress")
        offset += written
        while views and written >= len(views[0]):
            written -= len(views.pop(0))
        if views and written:
            views[0] = views[0][written:]


def _take_back(fd: int, start: int) -> None:
    """After a failed write: the torn bytes go, or the next record overwrites them (§4.4)."""
    try:
        os.ftruncate(fd, start)
    except OSError:
        pass


def read_exactly(fd: int, size: int, offset: int) -> bytes:
    chunks = []
    while size > 0:
        chunk = os.pread(fd, size, offset)
        if not chunk:
            raise OSError(f"the journal ends before offset {offset + size}")
        chunks.append(chunk)
        size -= len(chunk)
        offset += len(chunk)
    return b"".join(chunks)


# A live entry of the writer: value tag, offset and size, then how its records are written
# (Set type, Delete type, key field), reused for every later record of an equal key, and the
# last Set record's body up to the value with its CRC (b"", -1 when not known).
_Entry = Tuple[int, int, int, int, int, bytes, bytes, int]
_LENGTH_CRC = struct.Struct("<II")
_SMALL = 64 * 1024  # values up to this size go into one buffer with their record head: one pwrite
NEVER = sys.maxsize  # a journal size never reached: no compaction (an int: compared on every assignment)


class FaultguardDict(MutableMapping):  # type: ignore[type-arg]
    """The guarded program's data: a dict whose every assignment is safe from the program's death once it returns.

    Each change is one record written into the journal with a positioned write (§4.4); the object
    keeps only where each value is and reads values back from the journal, so `data[k]` is always a
    fresh copy, as with the original's pickled values.
    """

    def __init__(self, fd: int, path: str, found: _journal.Scan, compact_from: int = NEVER,
                 breadcrumbs: Optional["BreadcrumbSink"] = None) -> None:
        self._fd = fd
        self._path = path
        self._version = found.version
        self._end = found.end
        self._live: Dict[Any, _Entry] = {}
        for key, (tag, offset, size, _record) in found.live.items():  # the program's own journal: its keys are trusted
            self._live[_keys.decode(key, True)] = (tag, offset, size, *_journal.key_field(key), b"", -1)
        self._compact_from = compact_from
        self._compact_at = compact_from  # the size at which the journal is next looked at for compaction
        self._breadcrumbs = breadcrumbs
        self._ping: Optional[int] = None  # the watchdog's ping file (§11.3), when the guard keeps a watchdog
        self.resumed: Optional[Resumed] = None
        """In a run that the guard started again (`--restart`, SPEC §11.2): how the run before it ended; else None."""
        self._generation = _generation
        self._lock = threading.Lock()  # threads of one process share one end offset

    @classmethod
    def open(cls, path: str, compact_from: int = NEVER, breadcrumbs: Optional["BreadcrumbSink"] = None,
             verified: Optional[Tuple[int, int]] = None) -> "FaultguardDict":
        """The writer of an existing journal (§1 step 3): never created or truncated; one that ends in damage is refused.

        `verified`: (inode, bytes) of what the guard that restarted the program has just checked
        (resume.json, §11.2); the records within it are read through a memory map without their
        checksums, so that a restart does not read every value.
        """
        fd = os.open(path, os.O_RDWR | os.O_CLOEXEC)
        try:
            info = os.fstat(fd)
            if verified is not None and verified[0] == info.st_ino and info.st_size >= _journal.HEADER_SIZE:
                with mmap.mmap(fd, info.st_size, prot=mmap.PROT_READ) as mapped:
                    found = _journal.scan(mapped, verified[1])
            else:
                found = _journal.scan(read_exactly(fd, info.st_size, 0))
            if found.damage is not None:
                raise _journal.JournalError(f"damaged at offset {found.damage.offset} ({found.damage.reason}); "
                                            "not appending after damage")
        except BaseException:
            os.close(fd)
            raise
        return cls(fd, path, found, compact_from, breadcrumbs)

    @property
    def journal_path(self) -> str:
        return self._path

    def __getitem__(self, key: Any) -> Any:
        tag, raw = self.raw(key)
        return _values.decode(tag, raw, True)

    def raw(self, key: Any) -> Tuple[int, bytes]:
        """The stored encoding tag and bytes of a value, exactly as in the journal."""
        tag, offset, size = self._live[key][:3]
        return tag, read_exactly(self._fd, size, offset)

    def __setitem__(self, key: Any, value: Any, encoding: Optional[int] = None) -> None:
        # `encoding`: the client's own values (a breadcrumb's JSON) come as bytes already encoded with this tag (§3).
        if encoding is not None:
            tag, encoded = encoding, value
        elif type(value) is bytes:
            tag, encoded = _values.BYTES, value
        else:
            try:
                tag, encoded = _values.encode(value)
            except ValueError as error:  # an opaque value's tag out of range
                raise ValueError(f"faultguard: cannot store key {_keys.shown(key, 42)}: {error}") from None
        entry = self._live.get(key)  # an equal live key keeps its stored form and its place, as in a dict
        if entry is None or entry[0] != tag or not entry[6] or len(encoded) > _SMALL or self._generation != _generation:
            record = _keys.encode(key) if entry is None else entry[3:6]
            self._append(record[0], tag, record, encoded, key)
            return
        # The hot path of every program, a key stored again: the record's start is the last one's, one pwrite.
        body = entry[6]
        head = _LENGTH_CRC.pack(len(body) + len(encoded), zlib.crc32(encoded, entry[7])) + body
        buffer = head + encoded
        with self._lock:
            start = self._end
            try:
                if os.pwrite(self._fd, buffer, start) != len(buffer):
                    _write_all(self._fd, (buffer,), start)  # a short write: the whole record again, same place
            except BaseException:
                _take_back(self._fd, start)
                raise
            self._end = start + len(buffer)
            self._live[key] = (tag, start + len(head), len(encoded), entry[3], entry[4], entry[5], body, entry[7])
            if self._end >= self._compact_at:
                self._compact_if_wasteful()

    def breadcrumb(self, text: Any) -> bool:
        """Records what the program is doing, for the crash context (SPEC §10.2): acknowledged like an assignment.

        The last breadcrumbs (50 unless the guard says otherwise) survive any death of the process and
        reach the rescue (`data.context`), the autosave and the editor. False when the guard keeps no
        crash context (an older guard).
        """
        sink = self._breadcrumbs
        if sink is None:
            return False
        sink.breadcrumb(text)
        return True

    def ping(self) -> bool:
        """Tells the guard's watchdog (`--watchdog SECONDS`, SPEC §11.3) that the program is not hung: one system call.

        A program that goes longer than the watchdog's timeout without a ping is taken for hung:
        every thread's stack goes into the crash context, then it is killed, rescued and (with
        `--restart`) started again. Call it from the loop that does the work, not from a timer
        thread of its own, for it to mean something. False when the guard keeps no watchdog, and in
        a process forked from the program: that is not the program the watchdog watches, and its
        pings would hide the program's hang.
        """
        fd = self._ping
        if fd is None or self._generation != _generation:
            return False
        os.utime(fd)  # futimens(fd, now): safe from any thread
        return True

    def _supervise(self, resumed: Optional[Resumed], ping_fd: Optional[int]) -> None:
        """What connect() found of the guard's supervision (§11): the run before this one, the ping file's descriptor."""
        self.resumed = resumed
        self._ping = ping_fd

    def __delitem__(self, key: Any) -> None:
        record = self._live[key][3:6]  # KeyError for an absent key: nothing to write (§4.4)
        self._append(record[1], 0, record, b"", key)

    def clear(self) -> None:
        self._append(_journal.CLEAR, 0, (0, 0, b""), b"", None)  # one record, not one Delete per key

    def __iter__(self) -> Iterator[Any]:
        return iter(list(self._live))  # a snapshot: the loop's body may change the data

    def __len__(self) -> int:
        return len(self._live)

    def __contains__(self, key: object) -> bool:
        return key in self._live

    def __repr__(self) -> str:
        return f"<FaultguardDict {len(self._live)} entries in {self._path}>"

    def _append(self, rtype: int, tag: int, record: Tuple[int, int, bytes], value: bytes, key: Any) -> None:
        if self._generation != _generation:
            raise RuntimeError("faultguard: one writer per journal; this process was forked from the one that opened it")
        try:
            head = _journal.encode_record(rtype, tag, record[2], value)
        except ValueError as error:  # over the format's limits: refused before anything is written (§2.3)
            raise ValueError(f"faultguard: cannot store key {_keys.shown(key, 42)}: {error}") from None
        with self._lock:
            if rtype >= _journal.SET_TYPED and self._version < _journal.TYPED_KEYS_VERSION:
                self._rewrite(_journal.TYPED_KEYS_VERSION)  # the first typed key makes the journal version 2
            start = self._end
            try:
                _write_all(self._fd, (head + value,) if len(value) <= _SMALL else (head, value), start)
            except BaseException:  # an OSError, or a KeyboardInterrupt between two writes
                _take_back(self._fd, start)
                raise
            self._end = start + len(head) + len(value)
            # The view changes only once the record is written: a failed write leaves the old value live.
            if rtype == _journal.SET or rtype == _journal.SET_TYPED:
                body = head[8:]
                self._live[key] = (tag, start + len(head), len(value), *record, body, zlib.crc32(body))  # type: ignore[assignment]
            elif rtype == _journal.CLEAR:
                self._live.clear()
            else:
                del self._live[key]
            if self._end >= self._compact_at:
                self._compact_if_wasteful()

    def _compact_if_wasteful(self) -> None:
        """After a record is written (lock held): compacted once at least half of the journal is dead (§4.6).

        The live bytes (12 + K + V an entry) are counted here, not by every assignment (the hot path
        of every program), and next when the journal is twice what they are now: a compaction may
        come later than it could, never before it halves the journal. The record is stored whatever
        happens here: a failure is reported once, and the journal just grows.
        """
        live = sum(_journal.PREFIX_SIZE + len(entry[5]) + entry[2] for entry in self._live.values())
        if self._end < 2 * live:
            self._compact_at = max(self._compact_from, 2 * live)
            return
        try:
            self._rewrite(self._version)
            self._compact_at = max(self._compact_from, 2 * self._end)
        except Exception as error:
            self._compact_at = NEVER
            print(f"faultguard: cannot compact the journal {self._path}: {error}; it will not be compacted again",
                  file=sys.stderr, flush=True)

    def _rewrite(self, version: int) -> None:
        """A complete new journal of the live entries, renamed over the old one (§4.6): a compaction, or the upgrade to version 2."""
        temporary = f"{self._path}.compact-{os.getpid()}"
        fd = os.open(temporary, os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
        try:
            moved: Dict[Any, _Entry] = {}
            end = _journal.HEADER_SIZE
            _write_all(fd, (_journal.header(version),), 0)
            for key, (tag, offset, size, set_type, delete_type, field, body, body_crc) in self._live.items():
                value = read_exactly(self._fd, size, offset)
                head = _journal.encode_record(set_type, tag, field, value)
                _write_all(fd, (head, value), end)
                moved[key] = (tag, end + len(head), size, set_type, delete_type, field, body, body_crc)
                end += len(head) + size
            os.rename(temporary, self._path)
        except BaseException:
            os.close(fd)
            unlink_quietly(temporary)
            raise
        os.close(self._fd)
        self._fd, self._end, self._live, self._version = fd, end, moved, version


class BreadcrumbSink(Protocol):
    """Where breadcrumbs go: the run's context journal (_context_recorder.py)."""

    def breadcrumb(self, text: Any) -> None: ...


class RescuedData(Mapping):  # type: ignore[type-arg]
    """Data handed to a rescue or a recovery: read-only; `exit` is the exit record (§5), or None if unknown.

    Pickled values and keys are unpickled unless the data comes from a file recover() does not
    trust (README, "Trust"); then they are `Opaque` values and `OpaqueKey` keys.
    `fallback` is None, or, when recover() read an older generation, why the newest could not be read.
    `context` is why the run died (SPEC §10.6: its error, native trace, output, breadcrumbs), a dict,
    or None when nothing is known of it.
    """

    def __init__(self, journal: bytes, entries: Dict[Any, _journal.Location], exit: Optional[Dict[str, Any]],
                 unpickle: bool) -> None:
        self._journal = journal
        self._entries = entries  # each key's value where it is in `journal`: nothing is copied until asked for
        self._unpickle = unpickle
        self.exit = exit
        self.fallback: Optional[str] = None
        self.damage: Optional[str] = None  # a rescue's journal that ended in damage: where, and what was skipped
        self.context: Optional[Dict[str, Any]] = None  # why the run died (SPEC §10.6), when known

    @classmethod
    def from_scan(cls, journal: bytes, found: _journal.Scan, exit: Optional[Dict[str, Any]], unpickle: bool) -> "RescuedData":
        entries = found.live
        if not all(type(key) is str for key in entries):
            decode = _keys.decode
            entries = {decode(key, unpickle): where for key, where in entries.items()}
        return cls(journal, entries, exit, unpickle)

    @classmethod
    def from_values(cls, values: Dict[Any, Tuple[int, bytes]], exit: Optional[Dict[str, Any]], unpickle: bool) -> "RescuedData":
        """Entries that are not in a journal (a 1.1.x autosave's): laid out as one."""
        parts, entries, at = [], {}, 0
        for key, (tag, raw) in values.items():
            parts.append(raw)
            entries[key] = (tag, at, len(raw), at)
            at += len(raw)
        return cls(b"".join(parts), entries, exit, unpickle)

    def __getitem__(self, key: Any) -> Any:
        tag, raw = self.raw(key)
        return _values.decode(tag, raw, self._unpickle)

    def raw(self, key: Any) -> Tuple[int, bytes]:
        """The stored encoding tag and bytes of a value, exactly as the program stored them."""
        tag, offset, size, _record = self._entries[key]
        return tag, self._journal[offset:offset + size]

    def __iter__(self) -> Iterator[Any]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def __repr__(self) -> str:
        return f"<RescuedData {len(self._entries)} entries>"
