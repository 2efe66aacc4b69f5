"""Finding the guard through the environment (SPEC §1) and opening the journal it created."""
import os
from typing import Optional

from . import _journal
from ._data import FaultguardDict, read_exactly

JOURNAL_VARIABLE = "FAULTGUARD_JOURNAL"
PROTOCOL_VARIABLE = "FAULTGUARD_PROTOCOL"
PROTOCOL = "1"

_connected: Optional[FaultguardDict] = None


def is_guarded() -> bool:
    """True in a program that runs under a guard (connected already, or able to connect)."""
    return _connected is not None or JOURNAL_VARIABLE in os.environ


def connected() -> Optional[FaultguardDict]:
    return _connected


def connect() -> Optional[FaultguardDict]:
    """The program's data object when it runs under a guard (`faultguard run -- python3 app.py`), else None.

    Connecting twice gives the same object: one writer per journal (§4.4).
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
    # O_RDWR only: never create, truncate or append (§1 step 3, §4.4). Python opens non-inheritable.
    fd = -1
    try:
        fd = os.open(path, os.O_RDWR)
        size = os.fstat(fd).st_size
        scan = _journal.scan(read_exactly(fd, size, 0))
        if scan.damage is not None:
            raise _journal.JournalError(f"damaged at offset {scan.damage.offset} ({scan.damage.reason}); "
                                        "not appending after damage")
    except (OSError, _journal.JournalError) as error:
        if fd >= 0:
            os.close(fd)
        raise RuntimeError(f"faultguard: cannot use the journal {path!r}: {error}") from None
    # Processes started from here on must not find the journal: they would be a second writer (§4.5).
    os.environ.pop(JOURNAL_VARIABLE, None)
    os.environ.pop(PROTOCOL_VARIABLE, None)
    _connected = FaultguardDict(fd, path, scan)
    return _connected
