"""The autosave's target and its claim (SPEC §7.6): a file of its own, created empty before the child starts."""
import os
import time
from typing import NamedTuple

from . import timestamps
from .run_directory import GuardError


class Claim(NamedTuple):
    path: str
    inode: int


def _file_of(target: str) -> str:
    """A folder target (an existing folder, or a path ending in /) gets one file per run; any other path is the file."""
    path = os.path.abspath(target)
    if target.endswith("/") or os.path.isdir(path):
        try:
            os.makedirs(path, mode=0o700, exist_ok=True)
        except OSError as error:
            raise GuardError(f"faultguard: cannot create the autosave folder {path}: {error.strerror}") from None
        return os.path.join(path, f"{timestamps.compact(time.time(), milliseconds=True)}-{os.getpid()}.fgsave")
    return path


def claim(target: str) -> Claim:
    path = _file_of(target)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    except FileExistsError:
        raise GuardError(f"autosave file {path} exists; not overwriting it. Recover or remove it, "
                         "or give a folder to get one file per run") from None
    except OSError as error:
        raise GuardError(f"faultguard: cannot create the autosave file {path}: {error.strerror}") from None
    inode = os.fstat(fd).st_ino
    os.close(fd)
    if os.path.lexists(path + ".prev"):  # an earlier run's previous generation: the first rotation would replace it
        os.unlink(path)
        raise GuardError(f"autosave file {path}.prev is left from an earlier run of this file and was not recovered; "
                         f"not overwriting it. Recover or remove it (faultguard.remove_autosave({path!r}))")
    return Claim(path, inode)
