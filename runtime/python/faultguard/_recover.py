"""What the next launch does with autosaves, as the original's recover()/is_active() (SPEC §7.5 "Which file", §7.8)."""
import os
import re
import warnings
from typing import Any, Callable, Optional

from . import _autosave, _liveness
from ._data import RescuedData
from ._errors import AutosaveError, FaultguardWarning


def _head(path: str) -> _autosave.Head:
    fd = _autosave.open_autosave(path)
    try:
        return _autosave.read_head(path, fd)
    finally:
        os.close(fd)


def judge(path: str, stale_after: Optional[float] = None) -> _liveness.Judgement:
    """The one rule of §7.5 ("Which file"): the head of <path>, a claim, else the head of <path>.prev."""
    path = os.fspath(path)
    try:
        head = _head(path)
    except AutosaveError as newest:
        try:
            head = _head(path + ".prev")
        except AutosaveError:
            raise newest from None
        if head.header is None:
            raise newest from None
        try:
            mtime = os.lstat(path).st_mtime  # <path> beats, even when its content cannot be read
        except FileNotFoundError:
            mtime = head.mtime
        return _liveness.judge_run(head.header, mtime, stale_after)
    if head.header is None:
        return _liveness.judge_claim(head.mtime, stale_after)
    return _liveness.judge_run(head.header, head.mtime, stale_after)


def is_active(autosave_file: str, stale_after: Optional[float] = None) -> bool:
    """True while the run that writes the file lives. A missing or unreadable file raises AutosaveError."""
    return judge(autosave_file, stale_after).active


def recover(rescue: Callable[[RescuedData], Any], autosave_file: str, *,
            max_bytes: int = _autosave.DEFAULT_MAX_BYTES, stale_after: Optional[float] = None) -> int:
    """Calls rescue(data) with an autosave's data; returns 0 (newest generation read) or 1 (the previous one).

    Refuses a live run's file (RuntimeError, as the original). `data.exit` is how the run ended,
    None if its guard died before recording it. After a fallback to the previous generation,
    `data.fallback` says why the newest could not be read (else None) and a FaultguardWarning is issued. The files stay: remove_autosave() them once the data is safe.
    """
    if not callable(rescue):
        raise TypeError("faultguard.recover: rescue must be callable")
    path = os.fspath(autosave_file)
    judgement = judge(path, stale_after)
    if judgement.active:
        raise AutosaveError(path, "live", f"belongs to a live run ({judgement.reason}); recover it once that run has ended")
    read = _autosave.read_generations(path, max_bytes)
    exit = read.header["exit"]
    if exit is not None:  # whole numbers may be written as 3.0 (§7.2): the rescue gets ints
        exit = {**exit, "status": int(exit["status"]), "code": None if exit["code"] is None else int(exit["code"])}
    data = RescuedData.from_journal(read.journal, exit)
    if read.fallback is not None:
        # §7.3: a reader that falls back says so, and why the newest could not be read.
        data.fallback = read.fallback
        warnings.warn(f"faultguard: read the previous generation ({path}.prev): {read.fallback}", FaultguardWarning,
                      stacklevel=2)
    rescue(data)
    return read.generation


def remove_autosave(autosave_file: str, force: bool = False) -> None:
    """Removes an autosave with its previous generation and leftovers (§7.8), refusing a live run's unless forced."""
    path = os.fspath(autosave_file)
    folder, name = os.path.split(os.path.abspath(path))
    temporary = re.compile(re.escape(name) + r"\.tmp-[0-9a-f]{12}")
    leftovers = [os.path.join(folder, entry) for entry in sorted(os.listdir(folder)) if temporary.fullmatch(entry)]
    extra = ([path + ".prev"] if os.path.lexists(path + ".prev") else []) + leftovers
    if not extra and not os.path.lexists(path):
        raise AutosaveError(path, "missing", "no such file")
    if not force:
        try:
            judgement = judge(path)
        except AutosaveError:
            judgement = None  # a damaged autosave must be removable
        if judgement is not None and judgement.active:
            raise AutosaveError(path, "live", f"belongs to a live run ({judgement.reason}); not removing it without force")
    files = extra + ([path] if os.path.lexists(path) else [])  # .prev first, <path> last: the guard's order
    for file in files:
        if not (os.path.islink(file) or os.path.isfile(file)):
            raise AutosaveError(file, "unreadable", "not a regular file; not removing it")
    for file in files:
        os.unlink(file)
