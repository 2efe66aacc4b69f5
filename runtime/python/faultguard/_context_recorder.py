"""The client's end of the crash context (SPEC §10.1–§10.3): breadcrumbs, the uncaught error, faulthandler.

What the program records goes into the run's context journal, one positioned write that has
returned before the call does, as an assignment to `data`: it is the guard's even after SIGKILL.
Used in both process models: by connect() under `faultguard run`, and by the child of start().
"""
import faulthandler
import itertools
import os
import sys
import threading
import traceback
from json.encoder import encode_basestring, encode_basestring_ascii  # type: ignore[attr-defined]
from time import time_ns
from typing import Any, Optional

from . import _crash_context as cc
from ._data import FaultguardDict
from ._values import JSON

# The context journal rewrites the same N keys over and over: compacted long before a data journal would be (§10.1).
COMPACT_FROM = 1 << 20

# A breadcrumb's JSON as json.dumps writes {"seq", "time", "text"}, without its cost (§10.2).
_BREADCRUMB = '{"seq":%d,"time":%d,"text":%s}'
_SURELY_SHORT = cc.BREADCRUMB // 2  # a text of this many code points is at most BREADCRUMB UTF-16 units


class ContextRecorder:
    def __init__(self, journal: FaultguardDict, capacity: int) -> None:
        self._journal = journal
        self._store = journal.__setitem__  # the hot path: each lookup saved is a few per cent of a breadcrumb
        self._capacity = capacity
        self._keys = [f"{cc.BREADCRUMB_KEY_PREFIX}{slot}" for slot in range(capacity)]
        # A journal connected to again (the same run) goes on counting where it stopped.
        last = 0
        for key in journal:
            if isinstance(key, str) and key.startswith(cc.BREADCRUMB_KEY_PREFIX):
                try:
                    crumb = journal[key]
                except ValueError:
                    continue
                if cc.is_breadcrumb(crumb):
                    last = max(last, int(crumb["seq"]))
        self._seq = itertools.count(last + 1)  # next() is atomic: threads never share a number

    def breadcrumb(self, text: Any) -> None:
        if type(text) is not str:
            text = str(text)
        if len(text) > _SURELY_SHORT:
            text = cc.cut_start(text, cc.BREADCRUMB)
        seq = next(self._seq)
        now = time_ns() // 1_000_000
        try:
            encoded = (_BREADCRUMB % (seq, now, encode_basestring(text))).encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate: escaped, it is valid JSON in valid UTF-8
            encoded = (_BREADCRUMB % (seq, now, encode_basestring_ascii(text))).encode("ascii")
        self._store(self._keys[seq % self._capacity], encoded, JSON)

    def ask_for_diagnosis(self, signal_name: str) -> None:
        """Tells the guard's watchdog which signal makes this process write its stacks (§11.3)."""
        self._store(cc.DIAGNOSTICS_KEY, ('{"signal":"%s"}' % signal_name).encode("ascii"), JSON)

    def error(self, kind: str, error_type: Any, error: Any, trace: Any) -> None:
        """Records an exception the process is about to die of. Never raises: it runs on the way down."""
        try:
            try:
                message = str(error) if error is not None else ""
            except Exception:
                message = "<exception str() failed>"
            stack = "".join(traceback.format_exception(error_type, error, trace))
            self._journal[cc.ERROR_KEY] = {
                "kind": kind,
                "type": cc.cut_start(getattr(error_type, "__name__", str(error_type)), 256),
                "message": cc.cut_start(message, cc.MESSAGE),
                # Python prints the innermost frame last: a long traceback keeps its end.
                "stack": cc.cut_end(stack, cc.STACK, "…"),
                "time": time_ns() // 1_000_000,
            }
        except Exception:
            pass  # the journal cannot take it (full, gone, a forked process): the process dies of the error all the same


def open_recorder(path: str, capacity: Any) -> Optional[ContextRecorder]:
    """The recorder of the context journal at `path`; None if it cannot be used: a context is never worth failing for."""
    try:
        return ContextRecorder(FaultguardDict.open(path, compact_from=COMPACT_FROM), cc.breadcrumb_capacity(capacity))
    except (OSError, ValueError):
        return None


_trace: Optional[int] = None  # the descriptor faulthandler writes to: open for the life of the process
_forks_watched = False


def record_fatal_errors(recorder: ContextRecorder, run_folder: str) -> None:
    """How this process leaves the guard the reason for its death.

    An uncaught exception (sys.excepthook, or threading.excepthook for another thread) is recorded
    before the previous hook runs, so Python's own handling is unchanged; a fatal signal (SIGSEGV,
    SIGFPE, SIGABRT, SIGBUS, SIGILL) has faulthandler write the traceback of every thread into the
    run folder's native-trace.txt, where the guard reads it.
    """
    global _trace, _forks_watched
    previous = sys.excepthook

    def excepthook(kind: Any, value: Any, trace: Any) -> None:
        recorder.error("exception", kind, value, trace)
        previous(kind, value, trace)

    previous_thread = threading.excepthook

    def thread_excepthook(args: Any) -> None:
        if args.exc_type is not SystemExit:  # a thread's SystemExit is silent, as Python has it
            recorder.error("thread-exception", args.exc_type, args.exc_value, args.exc_traceback)
        previous_thread(args)

    sys.excepthook = excepthook
    threading.excepthook = thread_excepthook
    try:
        fd = os.open(os.path.join(run_folder, cc.NATIVE_TRACE_NAME),
                     os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    except OSError:
        return  # no trace file: the fatal signal still ends the process, and the guard knows which
    enabled_before = faulthandler.is_enabled()
    faulthandler.enable(file=fd, all_threads=True)
    _trace = fd
    if not _forks_watched:
        os.register_at_fork(after_in_child=lambda: _forked(enabled_before))
        _forks_watched = True


def _forked(enabled_before: bool) -> None:
    """A process forked from the program is not the program: its fatal signal must not pass for the program's."""
    global _trace
    if _trace is None:
        return
    try:
        if enabled_before:
            faulthandler.enable(all_threads=True)  # onto stderr, as -X faulthandler has it
        else:
            faulthandler.disable()
    except (RuntimeError, ValueError, OSError):
        faulthandler.disable()  # no stderr to write to
    os.close(_trace)
    _trace = None
