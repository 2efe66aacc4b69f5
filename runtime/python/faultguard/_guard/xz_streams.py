"""The data section of an autosave (SPEC §7.1): the compacted journal as concatenated .xz streams.

The journal is cut into pieces of 1 MiB (a reader must accept a cut anywhere), and each piece is
compressed into a stream of its own by liblzma in a pool of threads at low priority: lzma
releases the GIL, so every core works and the guard's heartbeat is not delayed. A record whose
value is 64 KiB or more and looks incompressible is written as a stored stream instead
(uncompressed LZMA2 chunks, §7.1), which costs a copy rather than LZMA2's slow pass over it.
"""
import lzma
import os
import struct
import threading
import zlib
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Callable, Deque, Iterable, List, NamedTuple

PIECE_BYTES = 1 << 20
LARGE_VALUE = 64 * 1024
# LZMA2 at preset 0 with the shortest matches sought (nice_len 8, one step deep): about half as
# fast again as preset 0 on JSON, for a few percent more bytes. An autosave must be quick first.
_FILTERS = [{"id": lzma.FILTER_LZMA2, "preset": 0, "nice_len": 8, "mf": lzma.MF_HC3, "depth": 1}]
_STORED_HEADER = bytes.fromhex("FD377A585A00 0001 6922DE36 020021010800 0000 D80F2313")
_CHUNK = 65536


class Cancelled(Exception):
    """The save was abandoned (the program ended): its temporary file is removed."""


class Written(NamedTuple):
    size: int  # of the uncompressed journal
    crc32: int


def looks_incompressible(value: memoryview) -> bool:
    """Eight samples of 4 KiB spread over the value that zlib's fastest level cannot shrink by 3 %.

    The reference judges by the samples' entropy (§7.1, informative); counting bytes in Python
    would cost more than it saves, and zlib makes the same call in C.
    """
    sample = 4096
    joined = b"".join(value[(len(value) - sample) * s // 7:][:sample] for s in range(8))
    return len(zlib.compress(joined, 1)) > 0.97 * len(joined)


def _varint(number: int) -> bytes:
    out = bytearray()
    while number >= 0x80:
        out.append(number & 0x7F | 0x80)
        number >>= 7
    out.append(number)
    return bytes(out)


def stored_stream(data: bytes) -> bytes:
    """One .xz stream (check CRC32) holding `data` as uncompressed LZMA2 chunks, laid out as §7.1 shows."""
    chunks: List[bytes] = []
    for at in range(0, len(data), _CHUNK):
        piece = data[at:at + _CHUNK]
        chunks.append(bytes((1 if at == 0 else 2,)) + struct.pack(">H", len(piece) - 1) + piece)
    body = b"".join(chunks) + b"\x00"
    block = _STORED_HEADER[12:] + body
    unpadded = len(block) + 4
    block += bytes(-len(block) % 4) + struct.pack("<I", zlib.crc32(data))
    index = b"\x00" + _varint(1) + _varint(unpadded) + _varint(len(data))
    index += bytes(-len(index) % 4)
    index += struct.pack("<I", zlib.crc32(index))
    footer = struct.pack("<I", len(index) // 4 - 1) + b"\x00\x01"
    return _STORED_HEADER[:12] + block + index + struct.pack("<I", zlib.crc32(footer)) + footer + b"YZ"


def _low_priority() -> None:
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 10)  # this thread only, on Linux
    except (OSError, AttributeError):
        pass


def _compress(piece: bytes) -> bytes:
    return lzma.compress(piece, format=lzma.FORMAT_XZ, check=lzma.CHECK_CRC64, filters=_FILTERS)


def write_streams(parts: Iterable[memoryview], write: Callable[[bytes], None], cancelled: Callable[[], bool]) -> Written:
    """Compresses the parts (the journal's header, then its records) and writes the streams in order."""
    size, crc = 0, 0
    workers = max(1, min(4, os.cpu_count() or 1))
    with ThreadPoolExecutor(max_workers=workers, initializer=_low_priority) as pool:
        queued: Deque["Future[bytes]"] = deque()
        pending: List[memoryview] = []
        held = 0

        def submit(task: Callable[[bytes], bytes], piece: bytes) -> None:
            nonlocal size, crc
            if cancelled():
                raise Cancelled()
            size += len(piece)
            crc = zlib.crc32(piece, crc)
            queued.append(pool.submit(task, piece))
            while len(queued) > 2 * workers:  # a bounded look-ahead: memory stays a few pieces
                write(queued.popleft().result())

        for part in parts:
            if len(part) >= LARGE_VALUE + 12 and looks_incompressible(part[12:]):
                if pending:
                    submit(_compress, b"".join(pending))
                    pending, held = [], 0
                submit(stored_stream, bytes(part))
                continue
            while len(part):
                take = part[:PIECE_BYTES - held]
                pending.append(take)
                held += len(take)
                part = part[len(take):]
                if held == PIECE_BYTES:
                    submit(_compress, b"".join(pending))
                    pending, held = [], 0
        if pending:
            submit(_compress, b"".join(pending))
        while queued:
            if cancelled():
                raise Cancelled()
            write(queued.popleft().result())
    return Written(size, crc)
