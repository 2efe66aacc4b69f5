"""A guarded run of launch, from the run folder to the rescue (SPEC §4.3, as a library): what start() does.

The caller is the guard: it forks the child that runs launch, relays signals to it, autosaves
its journal, and once the child has ended abnormally, reads the journal and calls rescue itself.
"""
import os
import sys
from typing import Any, Callable, List, Optional, Tuple

from .. import _journal, _liveness
from .._data import RescuedData
from . import exit_record, launch_child
from .autosave_target import claim as claim_target
from .autosaver import Autosaver
from .run_directory import RunDirectory
from .signal_relay import SignalRelay


def command_line() -> List[str]:
    """The caller's command line, for run.json and the autosave header."""
    return [sys.executable, *getattr(sys, "orig_argv", [sys.executable, *sys.argv])[1:]]


def _wait(pid: int) -> int:
    while True:
        try:
            return os.waitpid(pid, 0)[1]
        except ChildProcessError:  # someone else reaped it (a SIGCHLD handler of the caller's): status unknown
            return 1 << 8
        except InterruptedError:
            continue


def _read(run: RunDirectory) -> Optional[Tuple[bytes, _journal.Scan]]:
    try:
        journal = run.read()
        return journal, _journal.scan(journal)
    except (OSError, _journal.JournalError) as error:
        print(f"faultguard: cannot read the journal {run.journal}: {error}; it is kept", file=sys.stderr, flush=True)
        return None


def run(launch: Callable[..., Any], rescue: Callable[..., Any], args: Any,
        autosave_target: Optional[str], interval: Optional[float]) -> int:
    _liveness.guard_runs += 1
    try:
        return _guarded(launch, rescue, args, autosave_target, interval)
    finally:
        _liveness.guard_runs -= 1


def _guarded(launch: Callable[..., Any], rescue: Callable[..., Any], args: Any,
             autosave_target: Optional[str], interval: Optional[float]) -> int:
    folder = RunDirectory()
    try:
        claim = None if autosave_target is None else claim_target(autosave_target)
    except BaseException:
        folder.remove()
        raise
    relay = SignalRelay()
    relay.before_fork()
    try:
        pid = launch_child.fork(launch, args, folder.journal, relay)
    except BaseException:
        relay.in_guard(None)
        relay.restore()
        folder.remove()
        if claim is not None:
            os.unlink(claim.path)
        raise
    relay.in_guard(pid)
    command = command_line()
    folder.describe(pid, command)
    saver = None
    if claim is not None:
        try:
            saver = Autosaver(claim, interval or 10.0, folder.journal, pid, command)
            saver.start()
        except (OSError, RuntimeError) as error:  # the child runs already: it must stay guarded, unsaved
            print(f"faultguard: autosave {claim.path} cannot start ({error}); the journal alone keeps the data",
                  file=sys.stderr, flush=True)
    exit = exit_record.from_wait_status(_wait(pid))
    relay.child_ended()
    if exit["code"] == 0:
        if saver is not None:
            saver.finish_clean()
        folder.remove()
        relay.restore()
        return 0
    read = _read(folder)
    if saver is not None:
        saver.finish_crashed(exit, read)  # beside the rescue: a long compression must not delay it
    relay.restore()
    journal, found = read if read is not None else (_journal.header(), _journal.scan(_journal.header()))
    data = RescuedData.from_scan(journal, found, exit, unpickle=True)  # the journal is this user's, private (trust rule)
    if found.damage is not None:
        data.damage = (f"{folder.journal}: {found.damage.reason} at byte {found.damage.offset}; "
                       f"kept every record before it, skipped {found.damage.skipped} bytes")
        print(f"faultguard: {data.damage}", file=sys.stderr, flush=True)
    try:
        rescue(data, exit["status"]) if args is None else rescue(data, exit["status"], args)
    except BaseException:
        if saver is not None:
            saver.wait()
        kept = f" and in {saver.file.path}" if saver is not None and saver.file.saved else ""
        print(f"faultguard: the rescue failed; the data is kept in {folder.journal}{kept}", file=sys.stderr, flush=True)
        raise
    if saver is not None:
        saver.discard()
    folder.remove()
    return int(exit["status"])
