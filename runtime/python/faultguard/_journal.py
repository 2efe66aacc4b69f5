"""The journal's bytes (SPEC §2): header, record encoding, and the scan that replays records.

Version 1 holds string keys only; version 2 adds records whose key is typed (an int, or a pickled
Python object): record types 4 and 5 (§2.3). A version 2 journal without typed keys holds the same
records as version 1, so writers use version 2 only once a typed key is stored.
"""
import gc
import mmap
import re
import struct
import zlib
from typing import Dict, NamedTuple, Optional, Tuple, Union

MAGIC = b"\x89FGJ\r\n\x1a\n"
VERSION = 1  # what a guard creates
TYPED_KEYS_VERSION = 2
KNOWN_VERSIONS = (VERSION, TYPED_KEYS_VERSION)
HEADER_SIZE = 16
SET, DELETE, CLEAR, SET_TYPED, DELETE_TYPED = 1, 2, 3, 4, 5
KEY_INT, KEY_PICKLE = 1, 2  # the kinds of a typed key (§2.3)
MAX_KEY_BYTES = 0xFFFF
MAX_LENGTH = 0xFFFFFFFF  # L = 4 + K + V, a u32

_LENGTH_CRC = struct.Struct("<II")
_BODY_PREFIX = struct.Struct("<BBH")  # type, encoding, key_length
_PREFIX = struct.Struct("<IIBBH")
PREFIX_SIZE = _PREFIX.size  # 12
_LABEL_LENGTH = struct.Struct("<H")
_CANONICAL_INT = re.compile(rb"-?(0|[1-9][0-9]*)")


class JournalError(ValueError):
    """The file is not a journal this client may read or write (§2.6 header checks)."""


class TypedKey(NamedTuple):
    """A key that is not a string, as stored: its kind (§2.3) and the bytes after the kind byte."""

    kind: int
    data: bytes


JournalKey = Union[str, TypedKey]
Buffer = Union[bytes, mmap.mmap]


# A live entry: (value tag, value offset, value size, offset of its whole Set record). A plain
# tuple: a rescue scans a million of them, and a NamedTuple costs a Python call each.
Location = Tuple[int, int, int, int]


class Damage(NamedTuple):
    offset: int
    skipped: int
    reason: str


class Scan(NamedTuple):
    live: Dict[JournalKey, Location]  # in live order (§2.5): a dict keeps a re-set key in its place
    records: int
    end: int
    damage: Optional[Damage]
    version: int


def header(version: int = VERSION) -> bytes:
    head = MAGIC + struct.pack("<HH", version, 0)
    return head + struct.pack("<I", zlib.crc32(head))


def encode_record(rtype: int, tag: int, key: bytes, value: bytes) -> bytes:
    """Everything of a record before its value (§2.3): written with the value by one pwrite or pwritev (§4.4).

    A key or value over the format's limits (§2.3) is a ValueError naming its size: bad input, not a failed write.
    """
    if len(key) > MAX_KEY_BYTES:
        stored = "pickled with its label" if rtype == SET_TYPED or rtype == DELETE_TYPED else "in UTF-8"
        raise ValueError(f"the key is {len(key)} bytes {stored}; a key may have at most {MAX_KEY_BYTES}")
    length = 4 + len(key) + len(value)
    if length > MAX_LENGTH:
        raise ValueError(f"the value is {len(value)} bytes; with this key a record holds at most {MAX_LENGTH - 4 - len(key)}")
    body_prefix = _BODY_PREFIX.pack(rtype, tag, len(key)) + key
    crc = zlib.crc32(value, zlib.crc32(body_prefix))  # incremental: §2.4
    return _LENGTH_CRC.pack(length, crc) + body_prefix


def check_header(data: bytes) -> int:
    """The header checks of §2.6, in order; raises JournalError for the first that fails, else gives the version."""
    if len(data) < HEADER_SIZE or data[:8] != MAGIC:
        raise JournalError("not a Faultguard journal")
    (crc,) = struct.unpack_from("<I", data, 12)
    if zlib.crc32(data[:12]) != crc:
        raise JournalError("damaged journal header (checksum mismatch)")
    (version,) = struct.unpack_from("<H", data, 8)
    if version not in KNOWN_VERSIONS:
        raise JournalError(f"unsupported journal version {version} (this client knows versions 1 and 2)")
    return version


def typed_key_problem(field: bytes) -> Optional[str]:
    """Why the key field of a type 4 or 5 record is ill-formed (§2.6 e), or None; unknown kinds are opaque, not damage."""
    if not field:
        return "typed key has no kind"
    kind = field[0]
    if kind == KEY_INT:
        return None if _CANONICAL_INT.fullmatch(field, 1) else "int key is not a canonical decimal number"
    if kind == KEY_PICKLE:
        if len(field) < 3:
            return "pickled key cut short"
        (label,) = _LABEL_LENGTH.unpack_from(field, 1)
        if 3 + label >= len(field):
            return "pickled key has no pickle after its label"
        try:
            field[3:3 + label].decode("utf-8")
        except UnicodeDecodeError:
            return "pickled key's label is not UTF-8"
    return None


def scan(data: Buffer, verified: int = 0) -> Scan:
    """Replays the records of a journal in memory (§2.5, §2.6): stops at the first damage, keeps all before it.

    Records that end within `verified` bytes are not checksummed again: the guard that restarted
    the program has just read them (§11.2), so a restart looks at each record's head, not at
    every value (with `data` a memory map, the values' pages are never even read).
    """
    # The scan makes two objects per record and keeps them: the cyclic collector, run again and
    # again meanwhile, would only double its time (a rescue waits for it).
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _scan(data, verified)
    finally:
        if collecting:
            gc.enable()


def _scan(data: Buffer, verified: int) -> Scan:
    version = check_header(data[:HEADER_SIZE])
    typed = version >= TYPED_KEYS_VERSION
    view = memoryview(data)
    unpack, crc32 = _PREFIX.unpack_from, zlib.crc32
    live: Dict[JournalKey, Location] = {}
    pos, records, size = HEADER_SIZE, 0, len(data)
    reason = None
    while pos < size:
        if size - pos < PREFIX_SIZE:
            reason = "record header cut short"
            break
        length, crc, rtype, tag, key_size = unpack(data, pos)
        end = pos + 8 + length
        key_end = pos + 12 + key_size
        if length < 4 + key_size:
            reason = "record length smaller than its key"
            break
        if end > size:
            reason = "record cut short"
            break
        if end > verified and crc32(view[pos + 8:end]) != crc:
            reason = "record checksum mismatch"
            break
        if rtype == SET:
            try:
                live[data[pos + 12:key_end].decode("utf-8")] = (tag, key_end, end - key_end, pos)  # strict; U+FEFF kept
            except UnicodeDecodeError:
                reason = "key is not well-formed UTF-8"
                break
        elif rtype == DELETE or rtype == CLEAR:
            try:
                key = data[pos + 12:key_end].decode("utf-8")
            except UnicodeDecodeError:
                reason = "key is not well-formed UTF-8"
                break
            if rtype == DELETE:
                live.pop(key, None)
            else:
                live.clear()
        elif typed and (rtype == SET_TYPED or rtype == DELETE_TYPED):
            field = data[pos + 12:key_end]
            reason = typed_key_problem(field)
            if reason is not None:
                break
            if rtype == SET_TYPED:
                live[TypedKey(field[0], field[1:])] = (tag, key_end, end - key_end, pos)
            else:
                live.pop(TypedKey(field[0], field[1:]), None)
        else:
            reason = f"unknown record type {rtype}"
            break
        records += 1
        pos = end
    view.release()  # a memory map with a view still on it cannot be closed
    damage = None if reason is None else Damage(pos, size - pos, reason)
    return Scan(live, records, pos, damage, version)


def key_field(key: JournalKey) -> Tuple[int, int, bytes]:
    """(Set type, Delete type, key field) of a scanned key: how to write a record for it again."""
    if isinstance(key, str):
        return SET, DELETE, key.encode("utf-8")
    return SET_TYPED, DELETE_TYPED, bytes((key.kind,)) + key.data


def compacted(data: bytes, found: Scan) -> Tuple[bytes, ...]:
    """A complete journal of the live entries (§4.6, §7.1): a header, then each live Set record's bytes as they are."""
    typed = any(not isinstance(key, str) for key in found.live)
    view = memoryview(data)
    return (header(TYPED_KEYS_VERSION if typed else VERSION),
            *(view[record:offset + size] for _tag, offset, size, record in found.live.values()))
