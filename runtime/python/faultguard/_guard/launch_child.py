"""The child that runs launch, forked from the caller as multiprocessing's fork context does.

It ends as a multiprocessing.Process does (exit code 0 after launch returns, the code of a
SystemExit, 1 after any other exception with its traceback on stderr, non-daemon threads joined
first) and never returns into the caller's code: whatever follows start() runs in the caller only.
What it dies of is recorded in the run's context journal: the exception that ends `launch`, one
that ends another thread, and faulthandler's trace of a fatal signal.
"""
import os
import sys
import threading
import traceback
from typing import Any, Callable, NoReturn

from .._connect import VARIABLES
from .._context_recorder import open_recorder, record_fatal_errors
from .._data import FaultguardDict
from .output_tail import OutputTail
from .run_directory import RunDirectory
from .signal_relay import SignalRelay



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


def run(launch: Callable[..., Any], args: Any, folder: RunDirectory, relay: SignalRelay, output: OutputTail,
        breadcrumbs: int) -> NoReturn:
    code = 1
    recorder = None
    try:
        output.in_child()
        relay.in_child()
        for name in VARIABLES:  # under `faultguard run` they name that guard's files: not this child's
            os.environ.pop(name, None)
        # The crash context (SPEC §10): breadcrumbs, an exception's traceback, faulthandler's trace.
        recorder = open_recorder(folder.context, breadcrumbs)
        if recorder is not None:
            record_fatal_errors(recorder, folder.path)
        try:
            data = FaultguardDict.open(folder.journal, breadcrumbs=recorder)
            launch(data) if args is None else launch(data, args)
            code = 0
        finally:
            _join_threads()
    except SystemExit as exit:
        code = _exit_code(exit.code)
    except BaseException:  # KeyboardInterrupt included, as in multiprocessing: exit code 1
        if recorder is not None:
            recorder.error("exception", *sys.exc_info())  # what the child dies of, before it is printed
        sys.stderr.write(f"Process faultguard-launch (pid {os.getpid()}):\n")
        traceback.print_exc()
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:
                pass
        os._exit(code)


def fork(launch: Callable[..., Any], args: Any, folder: RunDirectory, relay: SignalRelay, output: OutputTail,
         breadcrumbs: int) -> int:
    """Forks the child; returns its PID in the caller."""
    for stream in (sys.stdout, sys.stderr):  # what is buffered would otherwise be written twice
        stream.flush()
    pid = os.fork()
    if pid == 0:
        run(launch, args, folder, relay, output, breadcrumbs)
    return pid
