"""The journal root and the run's folder (SPEC §4.1, §4.2): created before the child starts, removed when not needed."""
import json
import os
import secrets
import shutil
import stat
import string
import sys
import tempfile
import time
from typing import Any, Dict, List

from .. import _journal
from . import timestamps

_RANDOM = string.ascii_letters + string.digits


class GuardError(RuntimeError):
    """The guard cannot start: the message says which file and why."""


def journal_root() -> str:
    """§4.1: the first of the explicit variable, $XDG_RUNTIME_DIR, /dev/shm and the temporary folder; absolute."""
    chosen = os.environ.get("FAULTGUARD_JOURNAL_DIR")
    if not chosen:
        runtime = os.environ.get("XDG_RUNTIME_DIR")
        if runtime and os.path.isdir(runtime) and not os.path.islink(runtime):
            chosen = os.path.join(runtime, "faultguard")
        elif os.path.isdir("/dev/shm"):
            chosen = f"/dev/shm/faultguard-{os.getuid()}"
        else:
            chosen = os.path.join(tempfile.gettempdir(), f"faultguard-{os.getuid()}")
    return os.path.abspath(chosen)


def _checked_root(root: str) -> str:
    try:
        os.makedirs(root, mode=0o700, exist_ok=True)
        info = os.lstat(root)
    except OSError as error:
        raise GuardError(f"faultguard: cannot create the journal folder {root}: {error.strerror}") from None
    # Often in a world-writable place: only a private folder of this user's may hold journals.
    if not stat.S_ISDIR(info.st_mode):
        raise GuardError(f"faultguard: the journal folder {root} is not a folder (a symbolic link counts as none)")
    if info.st_uid != os.geteuid():
        raise GuardError(f"faultguard: the journal folder {root} belongs to another user (uid {info.st_uid})")
    if info.st_mode & 0o022:
        raise GuardError(f"faultguard: the journal folder {root} is writable by others (mode {stat.S_IMODE(info.st_mode):o})")
    return root


class RunDirectory:
    """`run-<stamp>-<pid>-<random>` with its `journal` holding only the header (§4.2)."""

    def __init__(self) -> None:
        root = _checked_root(journal_root())
        stamp = timestamps.compact(time.time(), milliseconds=False)
        while True:
            path = os.path.join(root, f"run-{stamp}-{os.getpid()}-{''.join(secrets.choice(_RANDOM) for _ in range(6))}")
            try:
                os.mkdir(path, 0o700)
                break
            except FileExistsError:
                continue
            except OSError as error:
                raise GuardError(f"faultguard: cannot create a run folder in {root}: {error.strerror}") from None
        self.path = path
        self.journal = os.path.join(path, "journal")
        try:
            fd = os.open(self.journal, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
            try:
                os.write(fd, _journal.header())
            finally:
                os.close(fd)
        except OSError as error:
            self.remove()
            raise GuardError(f"faultguard: cannot create the journal {self.journal}: {error.strerror}") from None

    def describe(self, program_pid: int, command: List[str]) -> None:
        """run.json, for tools; a failure is reported and the run goes on (§4.3 step 3)."""
        run: Dict[str, Any] = {"guardPid": os.getpid(), "pid": program_pid, "command": command, "cwd": os.getcwd(),
                               "started": timestamps.iso(time.time())}
        try:
            fd = os.open(os.path.join(self.path, "run.json"), os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as file:
                file.write(json.dumps(run, indent=2) + "\n")
        except OSError as error:
            print(f"faultguard: cannot write {self.path}/run.json: {error.strerror}", file=sys.stderr)

    def read(self) -> bytes:
        with open(self.journal, "rb") as file:
            return file.read()

    def remove(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)
