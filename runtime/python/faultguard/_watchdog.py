"""The client's end of the guard's watchdog (SPEC §11.3): the ping file, and a hang's trace on SIGUSR2.

When the program has not pinged for the watchdog's timeout, the guard sends the signal the client
asked for in the context journal (`diagnostics`). faulthandler answers it from its C signal handler
with every thread's stack, into `hang-trace.txt`: that works while the main thread spins in Python
and while it is blocked in C (time.sleep, a FIFO's open), where no Python-level handler would run.
"""
import faulthandler
import os
import signal
from typing import Optional

from ._context_recorder import ContextRecorder
from ._crash_context import HANG_TRACE_NAME

PING_VARIABLE = "FAULTGUARD_PING"
WATCHDOG_VARIABLE = "FAULTGUARD_WATCHDOG"
_SIGNAL = signal.SIGUSR2

_trace: Optional[int] = None  # the descriptor faulthandler writes a hang's trace to: open for the life of the process
_forks_watched = False


def open_ping(path: Optional[str], seconds: Optional[str]) -> Optional[int]:
    """The ping file's descriptor, if the guard keeps a watchdog; None if there is none (or it cannot be used)."""
    try:
        if not path or not float(seconds or "") > 0:
            return None
        return os.open(path, os.O_WRONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except (OSError, ValueError):
        return None


def trace_hangs(recorder: ContextRecorder, run_folder: str) -> None:
    """Has faulthandler dump every thread into the run folder's hang-trace.txt on SIGUSR2, and asks the guard for it.

    A SIGUSR2 handler of the program's own is left alone (the guard then asks for nothing): the
    signal is the program's. One it installs later takes the signal back, as with faulthandler.
    """
    global _trace, _forks_watched
    if signal.getsignal(_SIGNAL) != signal.SIG_DFL:
        return
    try:
        fd = os.open(os.path.join(run_folder, HANG_TRACE_NAME),
                     os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    except OSError:
        return  # no trace file: the hung program is still killed and rescued, without its stacks
    try:
        faulthandler.register(_SIGNAL, file=fd, all_threads=True)
        recorder.ask_for_diagnosis(_SIGNAL.name)
    except (OSError, ValueError, RuntimeError):
        faulthandler.unregister(_SIGNAL)
        os.close(fd)
        return
    _trace = fd
    if not _forks_watched:
        os.register_at_fork(after_in_child=_forked)
        _forks_watched = True


def _forked() -> None:
    """A process forked from the program is not the program: the guard never asks it, and its signal is its own."""
    global _trace
    if _trace is None:
        return
    faulthandler.unregister(_SIGNAL)
    os.close(_trace)
    _trace = None
