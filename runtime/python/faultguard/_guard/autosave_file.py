"""One autosave file and its previous generation (SPEC §7.4 steps 3–6): saves by replacement, the heartbeat, removal.

Only the guard's own file is ever replaced or removed: the inode it last put at the path, checked
with lstat before each step; once the path is found to be someone else's, the file is given up.
"""
import errno
import json
import os
import secrets
import shutil
import stat
import struct
import time
import zlib
from typing import Any, Callable, Dict, NamedTuple, Optional

from .. import _autosave
from .._files import unlink_quietly
from . import timestamps
from .autosave_target import Claim
from .xz_streams import Written

_WIDEST = {"entries": (1 << 53) - 1, "size": (1 << 53) - 1, "crc32": 0xFFFFFFFF, "compression": "xz",
           "compressedSize": (1 << 53) - 1}
_NO_HARD_LINKS = (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EMLINK, errno.ENOSYS)


class NotOurs(Exception):
    """The path no longer holds the file this run put there."""

    def __str__(self) -> str:
        return "the file is no longer the one this run created (replaced or removed); not writing over it, and not saving any more"


class Data(NamedTuple):
    """What a save's data section holds: the header's `data` fields without compressedSize, and its entry count."""

    entries: int
    written: Written


def _json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _write_at(fd: int, data: bytes, offset: int) -> None:
    view = memoryview(data)
    while view:
        written = os.pwrite(fd, view, offset)
        offset += written
        view = view[written:]


class AutosaveFile:
    def __init__(self, claim: Claim) -> None:
        self.path = claim.path
        self._inode = claim.inode
        self._previous: Optional[int] = None  # the inode this run rotated to <path>.prev
        self._saved = False  # <path> holds a save of this run, not the empty claim
        self.given_up = False

    @property
    def saved(self) -> bool:
        return self._saved

    def _own(self, path: str, inode: Optional[int]) -> bool:
        try:
            info = os.lstat(path)
        except FileNotFoundError:
            return False
        return inode is not None and stat.S_ISREG(info.st_mode) and info.st_ino == inode

    def _check(self) -> None:
        if not self._own(self.path, self._inode):
            self.given_up = True
            raise NotOurs()

    def save(self, header: Dict[str, Any], write_data: Callable[[Callable[[bytes], None]], Data]) -> None:
        """A complete file by a temporary one, header last, then the rotation and the rename (§7.4 step 3)."""
        self._check()
        reserve = len(_json({**header, "data": _WIDEST}))
        if reserve > _autosave.MAX_HEADER_BYTES:
            raise ValueError(f"the header would take {reserve} bytes, over the limit of {_autosave.MAX_HEADER_BYTES}")
        folder = os.path.dirname(self.path)
        temporary = f"{self.path}.tmp-{secrets.token_hex(6)}"
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
        try:
            at = [16 + reserve]
            _write_at(fd, bytes(16 + reserve), 0)

            def write(chunk: bytes) -> None:
                _write_at(fd, chunk, at[0])
                at[0] += len(chunk)

            data = write_data(write)
            fields = {"entries": data.entries, "size": data.written.size, "crc32": data.written.crc32, "compression": "xz",
                      "compressedSize": at[0] - 16 - reserve}
            text = _json({**header, "data": fields}).ljust(reserve, b" ")
            _write_at(fd, _autosave.MAGIC + struct.pack("<I", reserve) + text + struct.pack("<I", zlib.crc32(text)), 0)
            os.fsync(fd)
            inode = os.fstat(fd).st_ino
            os.close(fd)
            fd = -1
            self._check()
            if self._saved:
                self._rotate(folder)
            os.rename(temporary, self.path)
        except BaseException:
            if fd >= 0:
                os.close(fd)
            unlink_quietly(temporary)
            raise
        self._inode, self._saved = inode, True
        _fsync_folder(folder)

    def _rotate(self, folder: str) -> None:
        """<path> gets a second name, which is renamed over <path>.prev."""
        second = f"{self.path}.tmp-{secrets.token_hex(6)}"
        try:
            try:
                os.link(self.path, second)
            except OSError as error:
                if error.errno not in _NO_HARD_LINKS:
                    raise
                with open(self.path, "rb") as source, open(second, "xb") as copy:
                    shutil.copyfileobj(source, copy)
                    copy.flush()
                    os.fsync(copy.fileno())
            self._previous = os.lstat(second).st_ino
            os.rename(second, self.path + ".prev")
        except BaseException:
            unlink_quietly(second)
            raise

    def copy_data(self) -> "tuple[Dict[str, Any], bytes]":
        """The last save's `data` fields and data section, read only from the guard's own file (§7.4 step 4)."""
        fd = os.open(self.path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
        try:
            if os.fstat(fd).st_ino != self._inode:
                self.given_up = True
                raise NotOurs()
            head = _autosave.read_head(self.path, fd)
            assert head.header is not None
            data = os.pread(fd, head.size - head.data_offset, head.data_offset)
            return head.header["data"], data
        finally:
            os.close(fd)

    def beat(self) -> None:
        """The heartbeat: the modification time of <path>, only while it is the guard's own file (§7.4 step 5)."""
        if self.given_up:
            return
        if not self._own(self.path, self._inode):
            self.given_up = True
            return
        now = time.time()
        os.utime(self.path, (now, now))

    def remove(self) -> None:
        """<path>.prev first, then <path>: a guard killed in between leaves the newest whole (§7.4 step 6)."""
        for path, inode in ((self.path + ".prev", self._previous), (self.path, self._inode)):
            if self._own(path, inode):
                os.unlink(path)
        self.given_up = True


def _fsync_folder(folder: str) -> None:
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def header(base: Dict[str, Any], state: str, exit: Optional[Dict[str, Any]], ended: Optional[float],
           pending: bool = False) -> Dict[str, Any]:
    """The header of a save in the order of §7.2 (data last, filled in by save())."""
    fields = {**base, "saved": timestamps.iso(time.time()), "state": state, "exit": exit,
              "ended": None if ended is None else timestamps.iso(ended)}
    if pending:
        fields["finalSavePending"] = True
    return fields
