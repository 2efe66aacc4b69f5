"""The journal's bytes (SPEC §2): header, record encoding, and the scan that replays records."""
import struct
import zlib
from typing import Dict, NamedTuple, Optional, Tuple

MAGIC = b"\x89FGJ\r\n\x1a\n"
VERSION = 1
HEADER_SIZE = 16
SET, DELETE, CLEAR = 1, 2, 3
MAX_KEY_BYTES = 0xFFFF
MAX_LENGTH = 0xFFFFFFFF  # L = 4 + K + V, a u32

_LENGTH_CRC = struct.Struct("<II")
_BODY_PREFIX = struct.Struct("<BBH")  # type, encoding, key_length
PREFIX_SIZE = _LENGTH_CRC.size + _BODY_PREFIX.size  # 12


class JournalError(ValueError):
    """The file is not a journal this client may read or write (§2.6 header checks)."""


class Location(NamedTuple):
    """Where a live entry's value is: its encoding tag and the value's offset and size in the journal."""

    tag: int
    offset: int
    size: int


class Damage(NamedTuple):
    offset: int
    skipped: int
    reason: str


class Scan(NamedTuple):
    live: Dict[str, Location]  # in live order (§2.5): a dict keeps a re-set key in its place
    records: int
    end: int
    damage: Optional[Damage]


def header() -> bytes:
    head = MAGIC + struct.pack("<HH", VERSION, 0)
    return head + struct.pack("<I", zlib.crc32(head))


def encode_record(rtype: int, tag: int, key: bytes, value: bytes) -> Tuple[bytes, bytes]:
    """The record as (everything before the value, the value), ready for one pwritev (§2.3, §4.4)."""
    if len(key) > MAX_KEY_BYTES:
        raise ValueError(f"key of {len(key)} bytes is over the limit of {MAX_KEY_BYTES} bytes")
    length = 4 + len(key) + len(value)
    if length > MAX_LENGTH:
        raise ValueError(f"value of {len(value)} bytes is over the journal's limit for this key")
    body_prefix = _BODY_PREFIX.pack(rtype, tag, len(key)) + key
    crc = zlib.crc32(value, zlib.crc32(body_prefix))  # incremental: §2.4
    return _LENGTH_CRC.pack(length, crc) + body_prefix, value


def check_header(data: bytes) -> None:
    """The header checks of §2.6, in order; raises JournalError for the first that fails."""
    if len(data) < HEADER_SIZE or data[:8] != MAGIC:
        raise JournalError("not a Faultguard journal")
    (crc,) = struct.unpack_from("<I", data, 12)
    if zlib.crc32(data[:12]) != crc:
        raise JournalError("damaged journal header (checksum mismatch)")
    (version,) = struct.unpack_from("<H", data, 8)
    if version != VERSION:
        raise JournalError(f"unsupported journal version {version} (this client knows version {VERSION})")


def scan(data: bytes) -> Scan:
    """Replays the records of a journal held in memory (§2.5, §2.6): stops at the first damage, keeps all before it."""
    check_header(data)
    view = memoryview(data)
    live: Dict[str, Location] = {}
    pos, records, size = HEADER_SIZE, 0, len(data)
    damage: Optional[Damage] = None
    while pos < size:
        reason = None
        if size - pos < PREFIX_SIZE:
            reason = "record header cut short"
        else:
            length, crc = _LENGTH_CRC.unpack_from(data, pos)
            rtype, tag, key_size = _BODY_PREFIX.unpack_from(data, pos + 8)
            end = pos + 8 + length
            if length < 4 + key_size:
                reason = "record length smaller than its key"
            elif end > size:
                reason = "record cut short"
            elif zlib.crc32(view[pos + 8:end]) != crc:
                reason = "record checksum mismatch"
            else:
                try:
                    key = bytes(view[pos + 12:pos + 12 + key_size]).decode("utf-8")  # strict; U+FEFF kept
                except UnicodeDecodeError:
                    reason = "key is not well-formed UTF-8"
                else:
                    if rtype == SET:
                        live[key] = Location(tag, pos + 12 + key_size, end - (pos + 12 + key_size))
                    elif rtype == DELETE:
                        live.pop(key, None)
                    elif rtype == CLEAR:
                        live.clear()
                    else:
                        reason = f"unknown record type {rtype}"
        if reason is not None:
            damage = Damage(pos, size - pos, reason)
            break
        records += 1
        pos = end
    return Scan(live, records, pos, damage)
