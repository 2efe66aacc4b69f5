"""Reading an autosave file (SPEC §7.1–§7.3): the head alone, or the data with every check, and the generations."""
import json
import os
import stat
import struct
import zlib
from typing import Any, Dict, List, NamedTuple, Optional, Tuple

from . import _journal
from ._errors import AutosaveError, missing

MAGIC = b"\x89FGS\r\n\x1a\n"
MAX_HEADER_BYTES = 1 << 20
DEFAULT_MAX_BYTES = 1 << 30
MEMORY_LIMIT = 256 << 20  # the decoder's own memory, set by the streams' dictionary size (§7.3)
_CHUNK = 1 << 20
_MAX_ID = (1 << 53) - 1


class Head(NamedTuple):
    """A file's header (None for an empty claim), where its data starts, and its size and mtime when opened."""

    header: Optional[Dict[str, Any]]
    data_offset: int
    size: int
    mtime: float


def open_autosave(path: str) -> int:
    """Opens without following a link and without blocking on a FIFO; only a regular file is accepted (§7.3)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        raise missing(path) from None
    except OSError as error:
        raise AutosaveError(path, "unreadable", f"cannot be opened ({error.strerror})") from None
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise AutosaveError(path, "unreadable", "not a regular file")
    return fd


def read_head(path: str, fd: int) -> Head:
    """Checks 1–4 of §7.3 on an open file; never reads the data."""
    info = os.fstat(fd)
    if info.st_size == 0:
        return Head(None, 0, 0, info.st_mtime)
    start = os.pread(fd, 12, 0)
    if len(start) < 12 or info.st_size < 16 or start[:8] != MAGIC:
        raise AutosaveError(path, "invalid", "not a Faultguard autosave")
    (length,) = struct.unpack_from("<I", start, 8)
    if length > MAX_HEADER_BYTES or info.st_size < 16 + length:
        raise AutosaveError(path, "invalid", "header too large, or cut short")
    raw = os.pread(fd, length + 4, 12)
    if len(raw) != length + 4 or zlib.crc32(raw[:length]) != struct.unpack_from("<I", raw, length)[0]:
        raise AutosaveError(path, "invalid", "damaged header (checksum mismatch)")
    try:
        header = json.loads(raw[:length].decode("utf-8"))
    except ValueError:
        raise AutosaveError(path, "invalid", "header is not JSON") from None
    if not isinstance(header, dict):
        raise AutosaveError(path, "invalid", "header is not a JSON object")
    version = header.get("format")
    if version != 1 or isinstance(version, bool):
        if _is_number(version) and version > 1:
            raise AutosaveError(path, "invalid", f"autosave format {version} is newer than this reader, which knows "
                                                 "format 1: upgrade Faultguard to read it")
        raise AutosaveError(path, "invalid", f"autosave format {json.dumps(version)} is not supported "
                                             "(this reader knows format 1)")
    problems = header_problems(header)
    if problems:
        raise AutosaveError(path, "invalid", "autosave header is malformed: " + "; ".join(problems))
    return Head(header, 16 + length, info.st_size, info.st_mtime)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _is_integer(value: Any, low: int, high: int) -> bool:
    # "3.0" and "3e0" are whole numbers too (§7.2); Python's json makes them floats.
    return _is_number(value) and low <= value <= high and float(value).is_integer()


def _is_exit_record(value: Any) -> bool:
    if not isinstance(value, dict) or not all(name in value for name in ("code", "signal", "category", "reason", "status")):
        return False
    code, signal = value["code"], value["signal"]
    one = (_is_integer(code, -(1 << 63), 1 << 63) and signal is None) or (code is None and isinstance(signal, str))
    return one and isinstance(value["category"], str) and isinstance(value["reason"], str) \
        and _is_integer(value["status"], -(1 << 63), 1 << 63)


def header_problems(header: Dict[str, Any]) -> List[str]:
    """The field type checks of §7.2, in the order of its table."""
    def part(name: str) -> Dict[str, Any]:
        value = header.get(name)
        return value if isinstance(value, dict) else {}  # missing or not an object: an object without fields

    writer, program, data = part("writer"), part("program"), part("data")
    state = header.get("state")
    checks: List[Tuple[bool, str, str]] = [
        (_is_integer(writer.get("pid"), 1, _MAX_ID), "writer.pid", "a process ID"),
        *((isinstance(writer.get(name), str), f"writer.{name}", "a string") for name in ("startTime", "bootId", "host", "user")),
        ("pidNamespace" not in writer or isinstance(writer["pidNamespace"], str), "writer.pidNamespace", "a string"),
        (_is_integer(program.get("pid"), 1, _MAX_ID), "program.pid", "a process ID"),
        (isinstance(program.get("command"), list) and all(isinstance(word, str) for word in program["command"]),
         "program.command", "a list of strings"),
        (isinstance(program.get("cwd"), str), "program.cwd", "a string"),
        (isinstance(header.get("started"), str), "started", "a string"),
        (isinstance(header.get("saved"), str), "saved", "a string"),
        (_is_number(header.get("intervalSeconds")) and 0 < header["intervalSeconds"] < float("inf"),
         "intervalSeconds", "a positive number"),
        (state in ("running", "exited"), "state", '"running" or "exited"'),
        (_is_exit_record(header.get("exit")), "exit", "an exit record") if state == "exited"
        else ("exit" in header and header["exit"] is None, "exit", "null while running"),
        ("ended" in header and (header["ended"] is None or isinstance(header["ended"], str)), "ended", "a string or null"),
        (header.get("finalSavePending", True) is True, "finalSavePending", "true or absent"),
        *((_is_integer(data.get(name), 0, _MAX_ID), f"data.{name}", "a size") for name in ("entries", "size", "compressedSize")),
        (_is_integer(data.get("crc32"), 0, 0xFFFFFFFF), "data.crc32", "a CRC-32"),
        (data.get("compression") == "xz", "data.compression", '"xz"'),
    ]
    return [f"{field} is not {what}" for ok, field, what in checks if not ok]


def _decompress(path: str, fd: int, offset: int, length: int, size: int) -> bytes:
    """Check 7: every .xz stream of the data section in turn, stopping as soon as the output exceeds `size`."""
    try:
        import lzma
    except ImportError:  # a Python built without liblzma: says nothing about the file
        raise AutosaveError(path, "unavailable", "cannot decompress: this Python has no lzma module") from None
    out = bytearray()
    decoder: Optional[Any] = None
    pending, pos, end = b"", offset, offset + length  # `end` is the size fstat gave when the file was opened
    while pending or pos < end:
        if not pending:
            pending = os.pread(fd, min(_CHUNK, end - pos), pos)
            if not pending:
                raise AutosaveError(path, "invalid", "damaged data: the file ends before its data section does")
            pos += len(pending)
        if decoder is None:
            decoder = lzma.LZMADecompressor(lzma.FORMAT_XZ, memlimit=MEMORY_LIMIT)
        try:
            out += decoder.decompress(pending, max_length=size + 1 - len(out))
        except lzma.LZMAError as error:
            raise AutosaveError(path, "invalid", f"damaged data: {error}") from None
        if len(out) > size:
            raise AutosaveError(path, "invalid", f"damaged data: data decompresses to more than the {size} bytes "
                                                 "the header announces")
        if decoder.eof:  # the next stream, if any, starts right after this one (§7.1)
            pending, decoder = decoder.unused_data, None
        else:
            pending = b""
    if decoder is not None:
        raise AutosaveError(path, "invalid", "damaged data: the last .xz stream is cut short")
    if len(out) != size:
        raise AutosaveError(path, "invalid", f"damaged data: data decompressed to {len(out)} bytes, the header says {size}")
    return bytes(out)


def read_data(path: str, max_bytes: int) -> Tuple[Dict[str, Any], bytes]:
    """One generation, checks 1–10 of §7.3: its header and its journal (compacted, undamaged)."""
    fd = open_autosave(path)
    try:
        head = read_head(path, fd)
        if head.header is None:
            raise AutosaveError(path, "claim", "empty: a run is starting, or its guard died before its first save")
        # Whole numbers, checked by header_problems(), but perhaps written as 3.0 (§7.2): ints from here on.
        meta = {name: int(head.header["data"][name]) for name in ("entries", "size", "compressedSize", "crc32")}
        if meta["compressedSize"] != head.size - head.data_offset:
            raise AutosaveError(path, "invalid", "data cut short, or appended to")
        if meta["size"] > max_bytes:
            raise AutosaveError(path, "too-large", f"data of {meta['size']} bytes is over the limit of {max_bytes} "
                                                   "(raise the limit to read it)")
        journal = _decompress(path, fd, head.data_offset, meta["compressedSize"], meta["size"])
    finally:
        os.close(fd)
    if zlib.crc32(journal) != meta["crc32"]:
        raise AutosaveError(path, "invalid", "data checksum mismatch")
    try:
        found = _journal.scan(journal)
    except _journal.JournalError as error:
        raise AutosaveError(path, "invalid", f"damaged data: {error}") from None
    if found.damage is not None:
        raise AutosaveError(path, "invalid", f"damaged data: {found.damage.reason} at offset {found.damage.offset}")
    if len(found.live) != meta["entries"]:
        raise AutosaveError(path, "invalid", f"wrong entry count: {len(found.live)}, the header says {meta['entries']}")
    return head.header, journal
