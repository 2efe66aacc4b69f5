"""A run that its guard started again (SPEC §11.2): what resume.json tells it of the run before it."""
import json
from typing import Any, Dict, List, NamedTuple, Optional, Tuple

from ._crash_context import context_problem
from ._files import read_regular_file

RESUME_VARIABLE = "FAULTGUARD_RESUME"
MAX_ENDS = 20
# A resume file is a few KiB (20 ends, one context); anything near this is not one.
_MAX_RESUME_BYTES = 1 << 20


class RunEnd(NamedTuple):
    """One end of the program in a supervised run."""

    exit: Dict[str, Any]
    """How it ended: the exit record (SPEC §5) — code, signal, status, category, reason."""
    started: str
    """When it started: ISO 8601 UTC."""
    ended: str
    """When it ended: ISO 8601 UTC."""
    context: Optional[Dict[str, Any]] = None
    """Why it died (SPEC §10.6, as the rescue's `data.context`): kept for `previous` only, None when nothing is known."""


class Resumed(NamedTuple):
    """`data.resumed`: how the run before this one ended, in a run that the guard started again."""

    restarts: int
    """How many times the guard has started the program again, this start included."""
    previous: RunEnd
    """The end before this start, with its crash context."""
    ends: List[RunEnd]
    """The latest ends (at most 20), oldest first, `previous` last."""


def _is_whole(value: Any) -> bool:
    return type(value) is int or (type(value) is float and value.is_integer())


def _is_exit_record(value: Any) -> bool:
    if not isinstance(value, dict):
        return False
    code, signal = value.get("code", 0), value.get("signal", 0)
    # Exactly one of the two (§5): an exit code, or the signal that ended the program.
    ended = isinstance(signal, str) if code is None else _is_whole(code) and signal is None
    return ended and isinstance(value.get("category"), str) and isinstance(value.get("reason"), str) \
        and _is_whole(value.get("status"))


def _is_run_end(value: Any) -> bool:
    return isinstance(value, dict) and _is_exit_record(value.get("exit")) and isinstance(value.get("started"), str) \
        and isinstance(value.get("ended"), str)


def problem(value: Any) -> Optional[str]:
    """Why `value` is not a resume file's content (the reference's checks, protocol/src/resume.ts), or None."""
    if not isinstance(value, dict):
        return "not a JSON object"
    if not _is_whole(value.get("format")) or value["format"] < 1:
        return "format is not a format number"
    if not _is_whole(value.get("restarts")) or value["restarts"] < 1:
        return "restarts is not a count"
    if not _is_run_end(value.get("previous")):
        return "previous is not an end"
    if "context" in value["previous"]:
        found = context_problem(value["previous"]["context"])
        if found is not None:
            return f"previous.{found}"
    journal = value.get("journal")
    if journal is not None and not (isinstance(journal, dict) and _is_whole(journal.get("ino"))
                                    and _is_whole(journal.get("verifiedBytes"))):
        return "journal is not an inode and a size"
    ends = value.get("ends")
    if not isinstance(ends, list) or len(ends) > MAX_ENDS:
        return f"ends is not a list of at most {MAX_ENDS} ends"
    return None if all(_is_run_end(end) for end in ends) else "ends holds an end that is not an exit record with its times"


def _end(value: Dict[str, Any], context: Optional[Dict[str, Any]] = None) -> RunEnd:
    return RunEnd(value["exit"], value["started"], value["ended"], context)


def read(path: Optional[str]) -> Tuple[Optional[Resumed], Optional[Tuple[int, int]]]:
    """What the file at `path` says: the run before this one, and (inode, verified bytes) of the journal.

    (None, None) when this is no restarted run or the file is not sound: the run goes on, its data
    is in the journal anyway (the TypeScript client does the same).
    """
    if not path:
        return None, None
    raw = read_regular_file(path, _MAX_RESUME_BYTES + 1)
    if raw is None or len(raw) > _MAX_RESUME_BYTES:
        return None, None
    try:
        value = json.loads(raw.decode("utf-8"))
    except ValueError:  # not UTF-8, or not JSON
        return None, None
    if problem(value) is not None:
        return None, None
    previous = value["previous"]
    resumed = Resumed(int(value["restarts"]), _end(previous, previous.get("context")), [_end(end) for end in value["ends"]])
    journal = value.get("journal")
    return resumed, None if journal is None else (int(journal["ino"]), int(journal["verifiedBytes"]))
