"""Small file operations shared by the writer and the guard."""
import os
import stat
from typing import Optional


def unlink_quietly(path: str) -> None:
    """Removes a temporary file of ours that a failed step leaves; one already gone is fine."""
    try:
        os.unlink(path)
    except OSError:
        pass


def read_regular_file(path: str, limit: Optional[int] = None) -> Optional[bytes]:
    """A regular file's bytes (its first `limit`), or None if there is none: never through a link, never blocking on a FIFO."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return None
        limit = info.st_size if limit is None else limit
        chunks, size = [], 0
        while size < limit:
            chunk = os.pread(fd, limit - size, size)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        return b"".join(chunks)
    except OSError:
        return None
    finally:
        os.close(fd)
