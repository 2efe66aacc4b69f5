"""Who writes an autosave (SPEC §7.2 `writer`): enough for a reader to tell this process from a later one with its PID."""
import os
import pwd
import socket
from typing import Dict

from .._liveness import process_stat


def _quietly(read: "object") -> str:
    try:
        return str(read())  # type: ignore[operator]
    except (OSError, IndexError, KeyError):
        return ""


def writer() -> Dict[str, object]:
    pid = os.getpid()

    def boot() -> str:
        with open("/proc/sys/kernel/random/boot_id", encoding="ascii") as file:
            return file.read().strip()

    return {
        "pid": pid,
        "startTime": _quietly(lambda: process_stat(pid)[19]),  # field 22
        "bootId": _quietly(boot),
        "host": socket.gethostname(),
        "pidNamespace": _quietly(lambda: os.readlink("/proc/self/ns/pid")),
        "user": _quietly(lambda: pwd.getpwuid(os.geteuid()).pw_name) or str(os.geteuid()),
    }
