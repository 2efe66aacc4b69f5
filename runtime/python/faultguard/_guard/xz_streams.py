"""The data section of an autosave (SPEC §7.1): the compacted journal as concatenated .xz streams.

The journal is cut into pieces of 1 MiB (a reader must accept a cut anywhere), and each piece is
compressed into a stream of its own by liblzma (preset 0, CRC64) in a pool of threads at low
priority: lzma releases the GIL, so every core works and the guard's heartbeat is not delayed.
"""
import lzma
import os
import threading
import zlib
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Callable, Deque, Iterable, Iterator, NamedTuple
from collections import deque

PIECE_BYTES = 1 << 20


class Cancelled(Exception):
    """The save was abandoned (the program ended): its temporary file is removed."""


class Written(NamedTuple):
    size: int  # of the uncompressed journal
    crc32: int


def _pieces(parts: Iterable[memoryview]) -> Iterator[bytes]:
    pending, held = [], 0
    for part in parts:
        while len(part):
            take = part[:PIECE_BYTES - held]
            pending.append(take)
            held += len(take)
            part = part[len(take):]
            if held == PIECE_BYTES:
                yield b"".join(pending)
                pending, held = [], 0
    if pending:
        yield b"".join(pending)


def _low_priority() -> None:
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 10)  # this thread only, on Linux
    except (OSError, AttributeError):
        pass


def _compress(piece: bytes) -> bytes:
    return lzma.compress(piece, format=lzma.FORMAT_XZ, check=lzma.CHECK_CRC64, preset=0)


def write_streams(parts: Iterable[memoryview], write: Callable[[bytes], None], cancelled: Callable[[], bool]) -> Written:
    """Compresses the pieces in parallel and writes the streams in order; the size and CRC of what went in."""
    size, crc = 0, 0
    workers = max(1, min(4, os.cpu_count() or 1))
    with ThreadPoolExecutor(max_workers=workers, initializer=_low_priority) as pool:
        queued: Deque["Future[bytes]"] = deque()
        for piece in _pieces(parts):
            if cancelled():
                raise Cancelled()
            size += len(piece)
            crc = zlib.crc32(piece, crc)
            queued.append(pool.submit(_compress, piece))
            if len(queued) > 2 * workers:  # a bounded look-ahead: memory stays a few pieces
                write(queued.popleft().result())
        while queued:
            if cancelled():
                raise Cancelled()
            write(queued.popleft().result())
    return Written(size, crc)
