"""Whether the kernel's out-of-memory killer killed the child (SPEC §10.4): only on the kernel's word, never a guess.

A SIGKILL says nothing of who sent it. The kernel log (/dev/kmsg, where readable) decides when it
can be read: a record written after the child started that names it. Where it cannot be read,
the oom_kill counter of the child's memory cgroup decides: read when the child starts, again when
it has died; a higher count is the OOM killer's, and a count that has not risen rules it out before
the log is read. Where neither can be read, SIGKILL stays SIGKILL.
"""
import os
import re
from typing import Callable, List, NamedTuple, Optional, Tuple, Union

from .._liveness import process_stat


class OomWatch(NamedTuple):
    pid: int
    counter: Optional[Tuple[str, int]]  # the file holding its cgroup's oom_kill count, and the count at the start
    started: Optional[float]  # the child's start, in seconds since boot


def watch(pid: int) -> OomWatch:
    """Right after the fork: what the death will be compared with."""
    counter_file = _counter_file(pid)
    at_start = None if counter_file is None else _oom_kills(counter_file)
    try:
        started: Optional[float] = int(process_stat(pid)[19]) / os.sysconf("SC_CLK_TCK")  # field 22
    except (OSError, ValueError, IndexError):
        started = None
    return OomWatch(pid, None if counter_file is None or at_start is None else (counter_file, at_start), started)


def evidence(watched: OomWatch) -> Optional[str]:
    """What shows that the OOM killer killed the watched child, or None if nothing does."""
    now = None if watched.counter is None else _oom_kills(watched.counter[0])
    # Every OOM kill, global or the cgroup's own, counts in the victim's memory cgroup: a counter that
    # has not risen rules it out without the log, which is slow to read through (a record a read).
    if watched.counter is not None and now is not None and now <= watched.counter[1]:
        return None
    log = _kernel_log_line(watched)
    if isinstance(log, str):
        return f"the kernel log: {log}"
    if log is False or watched.counter is None or now is None:
        return None  # the log is readable and does not name it; or nothing to go by
    file, before = watched.counter
    return f"the oom_kill counter of its memory cgroup rose from {before} to {now} ({file})"


def _read_lines(path: str) -> List[str]:
    with open(path, encoding="utf-8", errors="replace") as file:
        return file.read().split("\n")


def _counter_file(pid: int) -> Optional[str]:
    """cgroup v2's memory.events, or v1's memory.oom_control, of the process's memory cgroup."""
    try:
        groups = [line.split(":", 2) for line in _read_lines(f"/proc/{pid}/cgroup") if line.count(":") >= 2]
        mounts = _read_lines("/proc/self/mountinfo")
    except OSError:
        return None
    # "N:memory,...:/path" is the v1 memory controller; "0::/path" the unified (v2) hierarchy.
    for _id, controllers, path in groups:
        if "memory" in controllers.split(","):
            mount = _mount_of(mounts, lambda kind, options: kind == "cgroup" and "memory" in options.split(","))
            return None if mount is None else os.path.join(mount[1], _relative(mount[0], path), "memory.oom_control")
    for number, controllers, path in groups:
        if number == "0" and controllers == "":
            mount = _mount_of(mounts, lambda kind, _options: kind == "cgroup2")
            return None if mount is None else os.path.join(mount[1], _relative(mount[0], path), "memory.events")
    return None


def _mount_of(mounts: List[str], matches: Callable[[str, str], bool]) -> Optional[Tuple[str, str]]:
    """(root, mount point) of the first mountinfo line that matches: id parent major:minor root point ... - type source options."""
    for line in mounts:
        left, dash, right = line.partition(" - ")
        if not dash:
            continue
        fields, kinds = left.split(" "), right.split(" ")
        if len(fields) > 4 and len(kinds) > 2 and matches(kinds[0], kinds[2]):
            return fields[3], fields[4]
    return None


def _relative(root: str, path: str) -> str:
    inside = path[len(root):] if root != "/" and path.startswith(root) else path
    return inside.lstrip("/")


def _oom_kills(file: str) -> Optional[int]:
    try:
        with open(file, encoding="ascii", errors="replace") as counters:
            found = re.search(r"^oom_kill (\d+)$", counters.read(), re.MULTILINE)
    except OSError:
        return None
    return None if found is None else int(found.group(1))


def _kernel_log_line(watched: OomWatch) -> Union[str, bool, None]:
    """The kernel log's line on the OOM killer killing the child after it started; False when the log has
    none, None when it cannot be read here (/dev/kmsg is often root's alone)."""
    try:
        fd = os.open("/dev/kmsg", os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return None
    killed = re.compile(rf"Killed process {watched.pid} ")
    try:
        while True:
            try:
                record = os.read(fd, 8192)  # one record a read
            except BrokenPipeError:
                continue  # the ring overwrote the record we were at: go on with the next
            except BlockingIOError:
                return False  # the end
            except OSError:
                return None
            if not record:
                return False
            # "priority,sequence,microseconds,flags;message"
            prefix, _semicolon, message = record.decode("utf-8", "replace").partition(";")
            fields = prefix.split(",")
            try:
                seconds = int(fields[2]) / 1e6
            except (IndexError, ValueError):
                continue
            if killed.search(message) and (watched.started is None or seconds >= watched.started):
                return message.split("\n")[0][:200]
    finally:
        os.close(fd)
