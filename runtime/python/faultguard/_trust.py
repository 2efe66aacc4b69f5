"""The trust rule (README, "Trust"): whether recover() may unpickle what a file holds.

Unpickling runs code. A rescue unpickles its journal: it is this user's, in a private folder, as
private as the original's manager process. recover() unpickles a file only when it is this user's
own regular file, writable by nobody else, in a folder nobody else can write; otherwise pickled
values come back as Opaque (and pickled keys as OpaqueKey), with a warning saying why.
"""
import os
import stat
from typing import Optional


def distrust(path: str, fd: int) -> Optional[str]:
    """None if the open file may be unpickled, else why not (for the warning)."""
    me = os.geteuid()
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        return "it is not a regular file"
    if info.st_uid != me:
        return f"it belongs to another user (uid {info.st_uid})"
    if info.st_mode & 0o022:
        return f"others may write it (mode {stat.S_IMODE(info.st_mode):o})"
    folder = os.path.dirname(os.path.abspath(path))
    try:
        where = os.stat(folder)
    except OSError as error:
        return f"its folder cannot be checked ({error.strerror})"
    if where.st_uid not in (me, 0):
        return f"its folder {folder} belongs to another user (uid {where.st_uid})"
    if where.st_mode & 0o022:
        return f"others may write its folder {folder} (mode {stat.S_IMODE(where.st_mode):o})"
    return None
