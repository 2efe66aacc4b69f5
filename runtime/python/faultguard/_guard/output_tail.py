"""The last output of the child, for the crash context (SPEC §10.5), kept without changing what it writes to.

Decided before the fork, stream by stream: an output that is a regular file (a redirect, a log)
is read back at the end, from where it stood when the child started; an output that is a pipe
or a socket becomes, in the child, the write end of a real pipe (os.pipe()) whose other end a
thread of the guard reads, passing every byte on to the original as it comes and keeping the
last ones. A pipe, not a socket pair: the child's writes keep a pipe's semantics (atomic up to
PIPE_BUF, EPIPE when the reader has gone), and back-pressure is passed on, since the thread
writes each chunk on before it reads the next. A terminal is left alone: keeping it would take a
pseudo-terminal, which changes the child's terminal (its name, its size, job control).
"""
import os
import select
import signal
import stat
import threading
import time
from typing import Dict, List, Optional, Union

from .. import _crash_context as cc

DEFAULT_BYTES = 64 * 1024
_STREAMS = {"stdout": 1, "stderr": 2}
# After the child's end: how long the last relayed bytes may take to come (a child of the child
# may still hold the pipe), then how long they may take to be written on (a reader that stopped).
_DRAIN_SECONDS = 0.2
_FLUSH_SECONDS = 2.0


def _stat(fd: int) -> Optional[os.stat_result]:
    try:
        return os.fstat(fd)
    except OSError:
        return None  # closed


def _is_pipe(info: Optional[os.stat_result]) -> bool:
    return info is not None and (stat.S_ISFIFO(info.st_mode) or stat.S_ISSOCK(info.st_mode))


def as_output(data: bytes, total: int) -> Dict[str, object]:
    """As text (§10.5): a cut may start inside a UTF-8 character, whose leftover bytes are dropped."""
    start = 0
    while start < len(data) and start < 3 and data[start] & 0xC0 == 0x80:
        start += 1
    text = cc.cut_end(data[start:].decode("utf-8", "replace"), cc.OUTPUT)
    return {"text": text, "bytes": total, "truncated": total > len(data) - start}


class _FileKeeper:
    """A regular file: read back at the end, from the size it had when the child started."""

    def __init__(self, fd: int, start: int, capacity: int) -> None:
        self._fd, self._start, self._capacity = fd, start, capacity

    def in_child(self) -> None:
        pass

    def in_guard(self) -> None:
        pass

    def flushed(self) -> None:
        pass  # nothing is relayed

    def tail(self) -> Optional[Dict[str, object]]:
        try:
            # Our descriptor may be write-only: the same file again, for reading.
            reader = os.open(f"/proc/self/fd/{self._fd}", os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
        except OSError:
            return None
        try:
            size = os.fstat(reader).st_size
            written = max(0, size - self._start)
            take = min(written, self._capacity)
            return as_output(os.pread(reader, take, size - take) if take else b"", written)
        except OSError:
            return None
        finally:
            os.close(reader)


class _PipeKeeper:
    """A pipe or a socket: the child writes into a pipe of the guard's, whose thread relays every byte."""

    def __init__(self, fds: List[int], capacity: int) -> None:
        self._fds = fds  # the child's descriptors that become the pipe: one, or both for 2>&1
        self._capacity = capacity
        self._read, self._write = os.pipe()
        self._kept = bytearray()
        self._total = 0
        self._lock = threading.Lock()
        self._ended = threading.Event()  # the pipe's end was read: no writer holds it any more
        self._thread: Optional[threading.Thread] = None
        self._flush_deadline: Optional[float] = None

    def in_child(self) -> None:
        for fd in self._fds:
            os.dup2(self._write, fd)
        os.close(self._write)
        os.close(self._read)

    def in_guard(self) -> None:
        os.close(self._write)  # the child holds it now: its end is the pipe's end
        self._thread = threading.Thread(target=self._relay, name="faultguard-output", daemon=True)
        self._thread.start()

    def _relay(self) -> None:
        destination = self._fds[-1]
        # A caller that set SIGPIPE back to its default must not die of the reader's going: this thread gets EPIPE.
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGPIPE})
        try:
            while True:
                chunk = os.read(self._read, 65536)
                if not chunk:
                    break
                with self._lock:
                    self._total += len(chunk)
                    self._kept += chunk
                    del self._kept[:-self._capacity]
                view = memoryview(chunk)
                while view:
                    try:
                        view = view[os.write(destination, view):]
                    except BlockingIOError:  # a non-blocking original (shared with a Node process), full: wait for its reader
                        select.select([], [destination], [])
        except OSError:
            pass  # the original reader has gone: closing our end gives the child the EPIPE it would have had
        finally:
            self._ended.set()
            os.close(self._read)

    def tail(self) -> Optional[Dict[str, object]]:
        self._ended.wait(_DRAIN_SECONDS)
        with self._lock:
            return as_output(bytes(self._kept), self._total)

    def flushed(self) -> None:
        with self._lock:  # from any thread, any number of times: one deadline
            if self._flush_deadline is None:
                self._flush_deadline = time.monotonic() + _DRAIN_SECONDS + _FLUSH_SECONDS
        if self._thread is not None:
            self._thread.join(max(0.0, self._flush_deadline - time.monotonic()))


class OutputTail:
    """The keepers of the streams to keep: `in_child()` and `in_guard()` after the fork; once the child has ended,
    `tails()` says what was kept, and `flushed()` returns once the relayed output is all passed on: the guard
    says nothing, and start() does not return, before that, or their words would come before the child's last ones.
    """

    def __init__(self, capacity: int, stdout: bool) -> None:
        self._keepers: Dict[str, Union[_FileKeeper, _PipeKeeper]] = {}
        if capacity <= 0:
            return
        out, err = _stat(1), _stat(2)
        if _is_pipe(err) and out is not None and err is not None and (out.st_dev, out.st_ino) == (err.st_dev, err.st_ino):
            # 2>&1: one pipe for both, or the order of their lines would change. It is stderr's output.
            self._keepers["stderr"] = _PipeKeeper([1, 2], capacity)
            return
        for name in ("stderr", "stdout") if stdout else ("stderr",):
            fd = _STREAMS[name]
            info = out if fd == 1 else err
            if info is not None and stat.S_ISREG(info.st_mode):
                self._keepers[name] = _FileKeeper(fd, info.st_size, capacity)
            elif _is_pipe(info):
                self._keepers[name] = _PipeKeeper([fd], capacity)

    def in_child(self) -> None:
        for keeper in self._keepers.values():
            keeper.in_child()

    def in_guard(self) -> None:
        for keeper in self._keepers.values():
            keeper.in_guard()

    def tails(self) -> Dict[str, Dict[str, object]]:
        """What was kept of each stream that saw output, the last relayed bytes included (within the wait above)."""
        kept = {}
        for name, keeper in self._keepers.items():
            tail = keeper.tail()
            if tail is not None and tail["bytes"]:
                kept[name] = tail
        return kept

    def flushed(self) -> None:
        for keeper in self._keepers.values():
            keeper.flushed()
