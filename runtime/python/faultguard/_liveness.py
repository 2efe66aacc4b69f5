"""Whether an autosave's writer lives, and what the run behind a file is (SPEC §7.5)."""
import os
import socket
import time
from typing import Any, Dict, List, NamedTuple, Optional

ALIVE, GONE, UNKNOWN = "alive", "gone", "unknown"
DEFAULT_CLAIM_STALE_SECONDS = 10.0

# start() calls under way in this process: a file this process wrote is live only while one is.
guard_runs = 0


class Judgement(NamedTuple):
    state: str  # active, crashed or orphaned
    active: bool  # still in use by its writer: recover and remove must refuse it
    reason: str


def _read_text(path: str) -> str:
    with open(path, encoding="utf-8") as file:
        return file.read().strip()


def process_stat(pid: int) -> List[str]:
    """The fields of /proc/<pid>/stat after the command name, from the state (field 3) on."""
    with open(f"/proc/{pid}/stat", "rb") as file:
        stat = file.read()
    # The command name, in parentheses, may hold anything, ")" and bytes that are not UTF-8 included.
    return stat.rpartition(b")")[2].decode("ascii", "replace").split()


def _own(read: Any) -> str:
    try:
        return str(read())
    except OSError:
        return ""  # unknown: the row that needs it is skipped


def writer_liveness(writer: Dict[str, Any]) -> Any:
    """(alive | gone | unknown, why) for a header's `writer`, by the first row of §7.5's table that applies."""
    pid = int(writer["pid"])
    if writer["host"] != socket.gethostname():
        return UNKNOWN, f"written on another host ({writer['host']})"
    boot = _own(lambda: _read_text("/proc/sys/kernel/random/boot_id"))
    if writer["bootId"] and boot and writer["bootId"] != boot:
        return GONE, "written before the last reboot"
    if pid == os.getpid() and writer["bootId"] == boot:
        # This process wrote it: its run is over unless one of its start() calls is still guarding.
        return (ALIVE, f"process {pid} is running") if guard_runs else (GONE, "this process's guard has returned")
    namespace = _own(lambda: os.readlink("/proc/self/ns/pid"))
    if writer.get("pidNamespace") and namespace and writer["pidNamespace"] != namespace:
        return UNKNOWN, f"in another PID namespace ({writer['pidNamespace']}, a container?)"
    try:
        fields = process_stat(pid)
    except OSError:
        try:
            os.kill(pid, 0)
        except PermissionError:  # it exists, but /proc hides it (hidepid)
            return UNKNOWN, f"process {pid} exists but /proc does not show it to this user"
        except OSError:
            pass
        return GONE, f"process {pid} no longer exists"
    if fields[0] in ("Z", "X"):
        return GONE, f"process {pid} has exited"
    if writer["startTime"] and fields[19] != writer["startTime"]:  # field 22, counted from field 3
        return GONE, f"process {pid} exited; its PID now belongs to another process"
    return ALIVE, f"process {pid} is running"


def _threshold(header: Dict[str, Any], stale_after: Optional[float]) -> float:
    if stale_after is not None:
        return stale_after
    beat = header.get("heartbeatSeconds")
    if not isinstance(beat, (int, float)) or isinstance(beat, bool) or not beat > 0:
        beat = 1  # a writer that predates the field
    return 10 * min(beat, 60)  # believed up to a minute: a huge one would keep a dead run alive for ever


def judge_run(header: Dict[str, Any], mtime: float, stale_after: Optional[float] = None) -> Judgement:
    """The run-states table of §7.5, first row that applies; `mtime` is the heartbeat of the file judged by."""
    writer = header["writer"]
    liveness, why = writer_liveness(writer)
    age = time.time() - mtime
    threshold = _threshold(header, stale_after)
    if liveness == UNKNOWN:
        # Only the heartbeat can tell; one from the future means the clocks differ, never death.
        liveness = ALIVE if age < threshold else GONE
        why = f"{why}: heartbeat {max(age, 0):.0f} s ago (threshold {threshold:.0f} s)"
    if header["state"] == "exited":
        reason = header["exit"]["reason"]
        if header.get("finalSavePending") is True and liveness == ALIVE:
            return Judgement("crashed", True, f"{reason} (the guard is still writing the final save)")
        return Judgement("crashed", False, reason)
    if liveness == ALIVE:
        return Judgement("active", True, f"guard {writer['pid']} is running ({why})")
    return Judgement("orphaned", False, f"guard {writer['pid']} died without recording an end ({why})")


def judge_claim(mtime: float, stale_after: Optional[float] = None) -> Judgement:
    age = max(time.time() - mtime, 0.0)  # a claim from the future is starting
    threshold = DEFAULT_CLAIM_STALE_SECONDS if stale_after is None else stale_after
    if age < threshold:
        return Judgement("active", True, f"a run is starting (claimed {age:.0f} s ago, nothing saved yet)")
    return Judgement("orphaned", False, f"claimed {age:.0f} s ago and never saved: its guard died before the first save")
