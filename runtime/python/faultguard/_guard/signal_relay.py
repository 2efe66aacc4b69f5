"""Signals while the child runs (SPEC §4.3 step 4): caught by the guard, passed on to the child.

Handlers go in before the fork with the signals blocked, so that none arriving in between is lost
or kills the guard; the child puts the caller's own handlers back before it unblocks them.
"""
import os
import signal
import threading
from typing import Any, Dict, Optional

RELAYED = (signal.SIGTERM, signal.SIGHUP, signal.SIGINT, signal.SIGQUIT, signal.SIGUSR1, signal.SIGUSR2, signal.SIGWINCH)
# Sent by the terminal to its whole foreground group, the child included: relaying them would send them twice.
_FROM_TERMINAL = (signal.SIGINT, signal.SIGQUIT, signal.SIGWINCH, signal.SIGHUP)


def _in_foreground() -> bool:
    for fd in (0, 1, 2):
        try:
            if os.isatty(fd):
                return os.tcgetpgrp(fd) == os.getpgrp()
        except OSError:
            continue
    return False


class SignalRelay:
    def __init__(self) -> None:
        self._previous: Dict[int, Any] = {}
        self._child: Optional[int] = None
        # Handlers can only be set from the main thread; a start() from another thread relays nothing.
        self._active = threading.current_thread() is threading.main_thread()

    def before_fork(self) -> None:
        if not self._active:
            return
        signal.pthread_sigmask(signal.SIG_BLOCK, RELAYED)
        for number in RELAYED:
            previous = signal.signal(number, self._handle)  # a handler, not SIG_IGN: an ignored signal stays so in the child
            self._previous[number] = signal.SIG_DFL if previous is None else previous

    def in_child(self) -> None:
        """The caller's handlers, as the original's child gets them."""
        if not self._active:
            return
        for number, handler in self._previous.items():
            signal.signal(number, handler)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, RELAYED)

    def in_guard(self, child: Optional[int]) -> None:
        """In the caller after the fork (None: the fork failed)."""
        self._child = child
        if self._active:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, RELAYED)  # anything sent meanwhile is passed on now

    def child_ended(self) -> None:
        """From now until the rescue, signals are caught and dropped: the guard must not die before the rescue."""
        self._child = None

    def restore(self) -> None:
        """The caller's handlers again, before the rescue runs (as the original re-attaches them)."""
        for number, handler in self._previous.items():
            signal.signal(number, handler)
        self._previous.clear()

    def _handle(self, number: int, _frame: Any) -> None:
        child = self._child
        if child is None or (number in _FROM_TERMINAL and _in_foreground()):
            return
        try:
            os.kill(child, number)
        except ProcessLookupError:
            pass  # it has just ended: its wait status follows
