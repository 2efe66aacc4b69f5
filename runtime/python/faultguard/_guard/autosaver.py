"""The autosave schedule (SPEC §7.4): periodic saves when the journal changed, the heartbeat, the final save, removal.

Two threads of the guard: one saves (one save at a time), one beats every heartbeatSeconds. Both
start after the fork, so the child never inherits them.
"""
import os
import sys
import threading
import time
from typing import Any, Dict, List, Optional, Tuple

from .. import _journal
from . import autosave_file, identity, timestamps
from .autosave_file import AutosaveFile, Data, NotOurs
from .autosave_target import Claim
from .xz_streams import Cancelled, write_streams

HEARTBEAT_SECONDS = 1
_JournalState = Tuple[int, int, int]  # inode, size, mtime: compared to know whether the journal changed


def _journal_state(path: str) -> Optional[_JournalState]:
    try:
        info = os.stat(path)
    except OSError:
        return None
    return info.st_ino, info.st_size, info.st_mtime_ns


class Autosaver:
    def __init__(self, claim: Claim, interval: float, journal: str, program_pid: int, command: List[str]) -> None:
        self.file = AutosaveFile(claim)
        self._interval = interval
        self._journal = journal
        self._base: Dict[str, Any] = {"format": 1, "writer": identity.writer(),
                                      "program": {"pid": program_pid, "command": command, "cwd": os.getcwd()},
                                      "started": timestamps.iso(time.time()), "intervalSeconds": interval,
                                      "heartbeatSeconds": HEARTBEAT_SECONDS}
        self._saved_state: Optional[_JournalState] = None
        self._stop = threading.Event()  # no more periodic saves; a save in progress is abandoned
        self._discarded = threading.Event()  # the rescue has the data: the final save is abandoned too
        self._halted = threading.Event()  # set once the heartbeat must stop
        self._reported: set = set()
        self._lock = threading.Lock()  # one save at a time
        self._saver = threading.Thread(target=self._periodic, name="faultguard-autosave", daemon=True)
        self._heart = threading.Thread(target=self._heartbeat, name="faultguard-heartbeat", daemon=True)
        self._final: Optional[threading.Thread] = None

    def start(self) -> None:
        self._heart.start()
        self._saver.start()

    def _report(self, message: str) -> None:
        if message not in self._reported:  # each distinct message once: a full disk must not flood the terminal
            self._reported.add(message)
            print(f"faultguard: autosave {self.file.path}: {message}", file=sys.stderr, flush=True)

    def _heartbeat(self) -> None:
        while not self._halted.wait(HEARTBEAT_SECONDS):
            try:
                self.file.beat()
            except OSError as error:
                self._report(f"heartbeat failed: {error.strerror}")

    def _periodic(self) -> None:
        while not self._stop.is_set() and not self.file.given_up:
            state = _journal_state(self._journal)
            if state is not None and state != self._saved_state:
                self._save_journal(None)
            self._stop.wait(self._interval)

    def _save_journal(self, read: Optional[Tuple[bytes, _journal.Scan]], state: str = "running",
                      exit: Optional[Dict[str, Any]] = None, ended: Optional[float] = None) -> bool:
        """A save of the journal (read now if not given); False if it failed or was abandoned."""
        with self._lock:
            cancel = self._stop if read is None else self._discarded
            try:
                before = _journal_state(self._journal)
                if read is None:
                    with open(self._journal, "rb") as file:
                        journal = file.read()
                    read = (journal, _journal.scan(journal))  # a torn tail is expected: the entries before it are saved
                journal, found = read

                def data(write: Any) -> Data:
                    return Data(len(found.live), write_streams(_journal.compacted(journal, found), write, cancel.is_set))

                self.file.save(autosave_file.header(self._base, state, exit, ended), data)
                self._saved_state = before
                return True
            except Cancelled:
                return False
            except (OSError, ValueError, NotOurs) as error:
                self._report(getattr(error, "strerror", None) or str(error))
                return False

    def _copy_last(self, exit: Dict[str, Any], ended: float, pending: bool) -> bool:
        """A save of the last save's data with the end recorded: moments, whatever the data's size (§7.4 step 7)."""
        with self._lock:
            try:
                fields, section = self.file.copy_data()

                def data(write: Any) -> Data:
                    write(section)
                    return Data(int(fields["entries"]), autosave_file.Written(int(fields["size"]), int(fields["crc32"])))

                self.file.save(autosave_file.header(self._base, "exited", exit, ended, pending), data)
                return True
            except (OSError, ValueError, NotOurs, _journal.JournalError) as error:
                self._report(getattr(error, "strerror", None) or str(error))
                return False

    def _stop_periodic(self) -> None:
        self._stop.set()
        if self._saver.is_alive():
            self._saver.join()

    def finish_clean(self) -> None:
        """After a clean exit: no more saves; the files go (§7.4 step 6)."""
        self._stop_periodic()
        self._remove()

    def finish_crashed(self, exit: Dict[str, Any], read: Optional[Tuple[bytes, _journal.Scan]]) -> None:
        """After an abnormal exit: the final save starts now, beside the rescue (§7.4 step 7). `read`: None if refused."""
        ended = time.time()
        self._stop_periodic()
        if read is not None and not read[1].live and read[1].damage is None:
            self._remove()  # the run stored nothing: nothing to keep
            return
        self._final = threading.Thread(target=self._final_save, args=(exit, ended, read), name="faultguard-final-save")
        self._final.start()

    def _final_save(self, exit: Dict[str, Any], ended: float, read: Optional[Tuple[bytes, _journal.Scan]]) -> None:
        try:
            changed = read is not None and _journal_state(self._journal) != self._saved_state
            if self.file.saved and not changed:
                self._copy_last(exit, ended, pending=False)
            elif read is not None:
                if self.file.saved:
                    self._copy_last(exit, ended, pending=True)  # the end on disk at once; its failure is reported
                if not self._discarded.is_set():
                    self._save_journal(read, "exited", exit, ended)
            if not self.file.saved:
                self._remove()  # an empty claim would block the next run (§7.4 step 7)
        finally:
            self._halted.set()

    def wait(self) -> None:
        if self._final is not None:
            self._final.join()
        self._halted.set()

    def discard(self) -> None:
        """The rescue has the data: the files go, as the original removes its autosave then."""
        self._discarded.set()
        self._stop_periodic()
        self.wait()
        self._remove()

    def _remove(self) -> None:
        self._halted.set()
        with self._lock:
            try:
                self.file.remove()
            except OSError as error:
                self._report(f"cannot remove it: {error.strerror}")
