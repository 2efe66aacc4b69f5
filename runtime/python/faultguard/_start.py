"""start(): the original's entry point. The caller is the guard of a forked child that runs launch (_guard/)."""
import math
import os
import re
import warnings
from typing import Any, Callable, Optional

from ._errors import FaultguardWarning
from ._guard import guard


def _check_arguments(launch: Any, rescue: Any, autosave_interval: Any, autosave_file: Any) -> None:
    if (autosave_interval is None) != (autosave_file is None):
        raise TypeError("Only one of the arguments 'autosave_interval' and 'autosave_file' is defined")
    if not callable(launch) or not callable(rescue):
        raise TypeError("faultguard.start: launch and rescue must be callable")
    if autosave_file is None:
        return
    if isinstance(autosave_interval, bool) or not isinstance(autosave_interval, (int, float)):
        raise TypeError("faultguard.start: autosave_interval must be a number of seconds")
    if not (math.isfinite(autosave_interval) and autosave_interval > 0):
        raise ValueError("faultguard.start: autosave_interval must be a positive number of seconds")
    if not isinstance(autosave_file, (str, os.PathLike)):
        raise TypeError("faultguard.start: autosave_file must be a path")


def _remove_leftovers(path: str) -> None:
    """What an earlier run of this file left once its newest generation was recovered and removed.

    The original removes its backup `<file>.tmp` here; the next launch's advised flow (recover,
    then os.remove of the file) leaves a previous generation, which must not block the start.
    """
    folder, name = os.path.split(os.path.abspath(path))
    temporary = re.compile(re.escape(name) + r"\.tmp-[0-9a-f]{12}")
    try:
        names = [entry for entry in os.listdir(folder) if temporary.fullmatch(entry)]
    except OSError:
        names = []
    for leftover in [path + ".prev", path + ".tmp", *(os.path.join(folder, entry) for entry in names)]:
        try:
            if os.path.islink(leftover) or os.path.isfile(leftover):
                os.unlink(leftover)
                warnings.warn(f"faultguard: removed {leftover}, left by an earlier run of {path}", FaultguardWarning,
                              stacklevel=3)
        except OSError:
            pass  # the claim then says what is wrong


def start(launch: Callable[..., Any], rescue: Callable[..., Any], args: Any = None,
          autosave_interval: Optional[float] = None, autosave_file: Optional[str] = None) -> int:
    """Runs launch(data[, args]) in a forked child; after an abnormal end calls rescue(data, exit_code[, args]) here.

    Returns the exit code: the child's code, or minus the signal that ended it (-11 for SIGSEGV).
    """
    _check_arguments(launch, rescue, autosave_interval, autosave_file)
    if autosave_file is not None:
        path = os.fspath(autosave_file)
        if not os.path.isdir(path) and not path.endswith("/"):
            if os.path.lexists(path):
                raise RuntimeError("The given autosave file already exists")
            _remove_leftovers(path)
        autosave_file = path
    return guard.run(launch, rescue, args, autosave_file, autosave_interval)
