"""What the next launch does with autosaves, as the original's recover()/is_active() (SPEC §7.5 "Which file", §7.8).

Files of this client and of Faultguard's guards are judged and read by SPEC §7; a file of the
original faultguard 1.1.x (xz + pickle) by the original's own rules, under the trust rule.
"""
import os
import re
import time
import warnings
from typing import Any, Callable, List, Optional

from . import _autosave, _journal, _legacy, _liveness, _trust
from ._data import RescuedData
from ._errors import AutosaveError, AutosaveMissing, FaultguardWarning, missing
from ._values import PICKLE

_ORIGINAL_ACTIVE_SECONDS = 2  # the original's guard touches its file's access time every second


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


def _original_rule(accessed: float) -> bool:
    return abs(accessed - time.time()) < _ORIGINAL_ACTIVE_SECONDS


def _accessed(path: str) -> Optional[float]:
    """The access time, taken before anything reads the file (a read may set it to now)."""
    try:
        return os.stat(path).st_atime
    except FileNotFoundError:
        return None


def is_active(autosave_file: str, stale_after: Optional[float] = None) -> bool:
    """True while the run that writes the file lives; a missing file raises FileNotFoundError (an AutosaveMissing).

    A file that is not a Faultguard autosave (the original's 1.1.x files) is judged as the original
    does: active if accessed within the last 2 seconds.
    """
    path = os.fspath(autosave_file)
    accessed = _accessed(path)
    try:
        return judge(path, stale_after).active
    except AutosaveMissing:
        raise
    except AutosaveError:
        if accessed is None:
            raise missing(path) from None
        return _original_rule(accessed)


def _refuse_live(path: str, stale_after: Optional[float]) -> None:
    accessed = _accessed(path)
    try:
        judgement = judge(path, stale_after)
    except AutosaveMissing:
        return  # nothing at <path> or <path>.prev: reading says so
    except AutosaveError:
        # Not one of ours: the original's rule, with its patience (a 1.1.x guard touches the file every second).
        if accessed is not None and _original_rule(accessed):
            time.sleep(_ORIGINAL_ACTIVE_SECONDS)
            accessed = _accessed(path)
            if accessed is not None and _original_rule(accessed):
                raise AutosaveError(path, "live", "Trying to access a backup of a process that is still running.")
        return
    if judgement.active:
        raise AutosaveError(path, "live", f"belongs to a live run ({judgement.reason}); recover it once that run has ended")


def _exit_of(header: Any) -> Any:
    exit = header["exit"]
    if exit is not None:  # whole numbers may be written as 3.0 (§7.2): the rescue gets ints
        exit = {**exit, "status": int(exit["status"]), "code": None if exit["code"] is None else int(exit["code"])}
    return exit


def _read(path: str, max_bytes: int) -> RescuedData:
    """One file, ours or the original's; pickles unpickled only if the trust rule allows it."""
    fd = _autosave.open_autosave(path)
    try:
        distrust = _trust.distrust(path, fd)
        legacy = os.pread(fd, len(_legacy.XZ_MAGIC), 0) == _legacy.XZ_MAGIC
        if legacy:
            data = RescuedData.from_values(_legacy.read(path, fd, distrust is None, max_bytes), None, distrust is None)
    finally:
        os.close(fd)
    if not legacy:
        header, journal = _autosave.read_data(path, max_bytes)
        data = RescuedData.from_scan(journal, _journal.scan(journal), _exit_of(header), distrust is None)
    if distrust is not None and any(data.raw(key)[0] == PICKLE or not isinstance(key, (str, int)) for key in data):
        warnings.warn(f"faultguard: {path} is not trusted ({distrust}): its pickled values are handed out as "
                      "faultguard.Opaque (and pickled keys as faultguard.OpaqueKey), not unpickled", FaultguardWarning,
                      stacklevel=3)
    return data


def recover(rescue: Callable[[RescuedData], Any], autosave_file: str, *,
            max_bytes: int = _autosave.DEFAULT_MAX_BYTES, stale_after: Optional[float] = None) -> int:
    """Calls rescue(data) with an autosave's data; returns 0 (the file itself read) or 1 (an older generation).

    Refuses a live run's file (RuntimeError, as the original). Falls back to <file>.prev, then to the
    original's backup <file>.tmp, with a FaultguardWarning saying why; `data.fallback` says it too.
    `data.exit` is how the run ended, None if its guard died before recording it (or for a 1.1.x file).
    """
    if not callable(rescue):
        raise TypeError("faultguard.recover: rescue must be callable")
    path = os.fspath(autosave_file)
    _refuse_live(path, stale_after)
    problems: List[str] = []
    for generation, candidate in enumerate((path, path + ".prev", path + ".tmp")):
        try:
            data = _read(candidate, max_bytes)
        except AutosaveMissing:
            continue
        except AutosaveError as error:
            # Falling back would hide the truth: a run that never saved, data over the limit, no lzma.
            if error.problem in ("too-large", "unavailable") or (error.problem == "claim" and not _older_exists(path)):
                raise
            problems.append(str(error))
            continue
        if generation > 0:
            data.fallback = "; ".join(problems) or f"{path}: no such file"
            warnings.warn(f"faultguard: read {candidate}: {data.fallback}", FaultguardWarning, stacklevel=2)
        rescue(data)
        return min(generation, 1)
    if not problems:
        raise missing(path)
    raise AutosaveError(path, "invalid", "Recovery unsuccessful: " + "; ".join(problems))


def _older_exists(path: str) -> bool:
    return os.path.lexists(path + ".prev") or os.path.lexists(path + ".tmp")


def remove_autosave(autosave_file: str, force: bool = False) -> None:
    """Removes an autosave with its previous generation and leftovers (§7.8), refusing a live run's unless forced."""
    path = os.fspath(autosave_file)
    folder, name = os.path.split(os.path.abspath(path))
    temporary = re.compile(re.escape(name) + r"\.tmp-[0-9a-f]{12}")
    leftovers = [os.path.join(folder, entry) for entry in sorted(os.listdir(folder)) if temporary.fullmatch(entry)]
    extra = ([path + ".prev"] if os.path.lexists(path + ".prev") else []) + leftovers
    if not extra and not os.path.lexists(path):
        raise missing(path)
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
