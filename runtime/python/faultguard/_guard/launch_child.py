"""The child that runs launch, forked from the caller as multiprocessing's fork context does.

It ends as a multiprocessing.Process does (exit code 0 after launch returns, the code of a
SystemExit, 1 after any other exception with its traceback on stderr, non-daemon threads joined
first) and never returns into the caller's code: whatever follows start() runs in the caller only.
"""
import os
import sys
import threading
import traceback
from typing import Any, Callable, NoReturn

from .. import _journal
from .._data import FaultguardDict, read_exactly
from .signal_relay import SignalRelay


def _open_data(journal: str) -> FaultguardDict:
    fd = os.open(journal, os.O_RDWR | os.O_CLOEXEC)
    return FaultguardDict(fd, journal, _journal.scan(read_exactly(fd, os.fstat(fd).st_size, 0)))


def _join_threads() -> None:
    """What interpreter exit (and multiprocessing's child) does: wait for the threads that are not daemons."""
    current = threading.current_thread()
    for thread in threading.enumerate():
        if thread is not current and not thread.daemon and thread.is_alive():
            thread.join()


def _exit_code(code: Any) -> int:
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    sys.stderr.write(f"{code}\n")
    return 1


def run(launch: Callable[..., Any], args: Any, journal: str, relay: SignalRelay) -> NoReturn:
    code = 1
    try:
        relay.in_child()
        # Under `faultguard run` the caller's environment names that guard's journal: not this child's.
        os.environ.pop("FAULTGUARD_JOURNAL", None)
        os.environ.pop("FAULTGUARD_PROTOCOL", None)
        try:
            data = _open_data(journal)
            launch(data) if args is None else launch(data, args)
            code = 0
        finally:
            _join_threads()
    except SystemExit as exit:
        code = _exit_code(exit.code)
    except BaseException:  # KeyboardInterrupt included, as in multiprocessing: exit code 1
        sys.stderr.write(f"Process faultguard-launch (pid {os.getpid()}):\n")
        traceback.print_exc()
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:
                pass
        os._exit(code)


def fork(launch: Callable[..., Any], args: Any, journal: str, relay: SignalRelay) -> int:
    """Forks the child; returns its PID in the caller."""
    for stream in (sys.stdout, sys.stderr):  # what is buffered would otherwise be written twice
        stream.flush()
    pid = os.fork()
    if pid == 0:
        run(launch, args, journal, relay)
    return pid
