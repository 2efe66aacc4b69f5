"""Finding the guard through the environment (SPEC §1) and opening the journal it created."""
import os
from typing import Optional

from . import _crash_context, _journal, _resume, _watchdog
from ._context_recorder import open_recorder, record_fatal_errors
from ._data import FaultguardDict

JOURNAL_VARIABLE = "FAULTGUARD_JOURNAL"
PROTOCOL_VARIABLE = "FAULTGUARD_PROTOCOL"
PROTOCOL = "1"
# Every variable of the guard's (§1, §10.1, §11): removed once connected.
VARIABLES = (JOURNAL_VARIABLE, PROTOCOL_VARIABLE, _crash_context.CONTEXT_VARIABLE, _crash_context.BREADCRUMBS_VARIABLE,
             _resume.RESUME_VARIABLE, _watchdog.PING_VARIABLE, _watchdog.WATCHDOG_VARIABLE)

_connected: Optional[FaultguardDict] = None


def is_guarded() -> bool:
    """True in a program that runs under a guard (connected already, or able to connect)."""
    return _connected is not None or JOURNAL_VARIABLE in os.environ


def connected() -> Optional[FaultguardDict]:
    return _connected


def connect() -> Optional[FaultguardDict]:
    """The program's data object when it runs under a guard (`faultguard run -- python3 app.py`), else None.

    Connecting twice gives the same object: one writer per journal (§4.4). When the guard keeps a
    crash context (SPEC §10), `data.breadcrumb(text)` records into it, and so do an uncaught
    exception and a fatal signal from now on. Under `--restart`, `data.resumed` says how the run
    before this one ended (SPEC §11.2); under `--watchdog`, `data.ping()` says this one is not hung,
    and a hung one's threads are dumped into the crash context (§11.3).
    """
    global _connected
    if _connected is not None:
        return _connected
    path = os.environ.get(JOURNAL_VARIABLE)
    if path is None:
        return None
    protocol = os.environ.get(PROTOCOL_VARIABLE)
    if protocol != PROTOCOL:
        # Running on unguarded would look like protection that is not there (§1 step 2).
        raise RuntimeError(f"faultguard: the guard speaks protocol {protocol!r}, this client only {PROTOCOL!r}; "
                           "not connecting")
    context = os.environ.get(_crash_context.CONTEXT_VARIABLE)
    recorder = open_recorder(context, os.environ.get(_crash_context.BREADCRUMBS_VARIABLE)) if context else None
    resumed, verified = _resume.read(os.environ.get(_resume.RESUME_VARIABLE))
    # O_RDWR only: never create, truncate or append (§1 step 3, §4.4). Python opens non-inheritable.
    try:
        data = FaultguardDict.open(path, breadcrumbs=recorder, verified=verified)
    except (OSError, _journal.JournalError) as error:
        raise RuntimeError(f"faultguard: cannot use the journal {path!r}: {error}") from None
    ping = _watchdog.open_ping(os.environ.get(_watchdog.PING_VARIABLE), os.environ.get(_watchdog.WATCHDOG_VARIABLE))
    data._supervise(resumed, ping)
    # Processes started from here on must not find the journal: they would be a second writer (§4.5).
    for name in VARIABLES:
        os.environ.pop(name, None)
    if recorder is not None and context is not None:
        record_fatal_errors(recorder, os.path.dirname(context))
        if ping is not None:
            _watchdog.trace_hangs(recorder, os.path.dirname(context))
    _connected = data
    return _connected
