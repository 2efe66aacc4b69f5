"""The crash context (SPEC §10): names, limits, cutting text to them, and the reader's checks.

Shared by the client (what it records), the guard (what it assembles) and the readers (what an
autosave header may hold). Lengths are counted as JSON strings count them, in UTF-16 code units,
not in Python's code points: a character outside the BMP counts twice, and a context cut to
Python's len() could be refused by every other reader.
"""
import math
from typing import Any, Dict, List, Optional

CONTEXT_FORMAT = 1

# Names inside the run directory (§4.2): what the client writes, what the dying process leaves, what the guard writes.
CONTEXT_JOURNAL_NAME = "context"
NATIVE_TRACE_NAME = "native-trace.txt"
CRASH_CONTEXT_FILE = "crash-context.json"
HANG_TRACE_NAME = "hang-trace.txt"  # a hung program's stacks, asked for by the guard's watchdog (§11.3)

CONTEXT_VARIABLE = "FAULTGUARD_CONTEXT"
BREADCRUMBS_VARIABLE = "FAULTGUARD_BREADCRUMBS"

ERROR_KEY = "error"
BREADCRUMB_KEY_PREFIX = "breadcrumb:"
DIAGNOSTICS_KEY = "diagnostics"  # the signal the guard is to send a hung program (§11.3)

DEFAULT_BREADCRUMBS = 50
MAX_BREADCRUMBS = 1000

# What each part may hold, in UTF-16 code units: writers cut to these, readers refuse more (§10.6).
MESSAGE = 4096
STACK = 16 * 1024
NATIVE_TRACE = 64 * 1024
OUTPUT = 64 * 1024
BREADCRUMB = 512
_SHORT = 64
_TYPE = 256
_EVIDENCE = 256

_MAX_COUNT = (1 << 53) - 1


def breadcrumb_capacity(value: Any) -> int:
    """The ring's size from FAULTGUARD_BREADCRUMBS (or start()'s argument): 1 to 1000, else the default (§10.1)."""
    try:
        count = int(str(value).strip()) if value is not None else DEFAULT_BREADCRUMBS
    except ValueError:
        return DEFAULT_BREADCRUMBS
    return count if 1 <= count <= MAX_BREADCRUMBS else DEFAULT_BREADCRUMBS


def utf16_length(text: str) -> int:
    return len(text) if text.isascii() else len(text.encode("utf-16-le", "surrogatepass")) // 2


def _is_high_surrogate(unit: bytes) -> bool:
    return 0xD8 <= unit[1] <= 0xDB


def _is_low_surrogate(unit: bytes) -> bool:
    return 0xDC <= unit[1] <= 0xDF


def cut_start(text: str, limit: int) -> str:
    """At most `limit` units, keeping the start and ending in … when cut (a message, a breadcrumb)."""
    if len(text) <= limit // 2 or utf16_length(text) <= limit:
        return text
    units = text.encode("utf-16-le", "surrogatepass")[:2 * (limit - 1)]
    if _is_high_surrogate(units[-2:]):
        units = units[:-2]  # half a character
    return units.decode("utf-16-le", "surrogatepass") + "…"


def cut_end(text: str, limit: int, mark: str = "") -> str:
    """At most `limit` units, keeping the end, after `mark` when cut (an output's tail, a Python traceback)."""
    if len(text) <= limit // 2 or utf16_length(text) <= limit:
        return text
    units = text.encode("utf-16-le", "surrogatepass")[-2 * (limit - utf16_length(mark)):]
    if _is_low_surrogate(units[:2]):
        units = units[2:]
    return mark + units.decode("utf-16-le", "surrogatepass")


def _is_object(value: Any) -> bool:
    return isinstance(value, dict)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _is_time(value: Any) -> bool:
    return _is_number(value) and math.isfinite(value)


def _is_count(value: Any) -> bool:
    # A whole number, as JSON may write one (3.0 is 3), from 0 to 2^53 − 1.
    return _is_time(value) and float(value).is_integer() and 0 <= value <= _MAX_COUNT


def _is_text(value: Any, limit: int) -> bool:
    return isinstance(value, str) and utf16_length(value) <= limit


def context_problem(value: Any) -> Optional[str]:
    """Why `value` is not a crash context a reader may use (§10.6), or None: the reference's checks and wording.

    Every field is checked for its type and limit; unknown fields pass (later formats add some).
    Nothing is evaluated: a context is text to show.
    """
    if not _is_object(value):
        return "context is not an object"
    problems: List[str] = []

    def check(ok: bool, name: str, what: str) -> None:
        if not ok:
            problems.append(f"{name} is not {what}")

    def part(name: str) -> Dict[str, Any]:
        found = value.get(name)
        return found if _is_object(found) else {}

    check(_is_count(value.get("format")) and value["format"] >= 1, "context.format", "a format number")
    if "error" in value:
        error = part("error")
        check(_is_object(value["error"]), "context.error", "an object")
        check(_is_text(error.get("kind"), _SHORT), "context.error.kind", "a short string")
        check("type" not in error or _is_text(error["type"], _TYPE), "context.error.type", "a short string")
        check(_is_text(error.get("message"), MESSAGE), "context.error.message", f"a string of at most {MESSAGE} characters")
        check("stack" not in error or _is_text(error["stack"], STACK), "context.error.stack",
              f"a string of at most {STACK} characters")
        check(_is_time(error.get("time")), "context.error.time", "a time")
    if "report" in value:
        report = part("report")
        check(_is_object(value["report"]), "context.report", "an object")
        check(_is_text(report.get("event"), MESSAGE), "context.report.event", "a string")
        check(_is_text(report.get("stack"), STACK), "context.report.stack", f"a string of at most {STACK} characters")
        if "heap" in report:
            heap = report["heap"] if _is_object(report["heap"]) else {}
            check(_is_object(report["heap"]) and _is_count(heap.get("used")) and _is_count(heap.get("total"))
                  and ("limit" not in heap or _is_count(heap["limit"])), "context.report.heap", "sizes")
    if "nativeTrace" in value:
        trace = part("nativeTrace")
        check(_is_object(value["nativeTrace"]) and _is_text(trace.get("source"), _SHORT), "context.nativeTrace.source",
              "a short string")
        check(_is_text(trace.get("text"), NATIVE_TRACE), "context.nativeTrace.text",
              f"a string of at most {NATIVE_TRACE} characters")
    if "oom" in value:
        check(_is_object(value["oom"]) and _is_text(value["oom"].get("evidence"), _EVIDENCE), "context.oom.evidence",
              "a short string")
    if "output" in value:
        check(_is_object(value["output"]), "context.output", "an object")
        output = part("output")
        for stream in ("stderr", "stdout"):
            if stream not in output:
                continue
            tail = output[stream]
            ok = _is_object(tail) and _is_text(tail.get("text"), OUTPUT) and _is_count(tail.get("bytes")) \
                and isinstance(tail.get("truncated"), bool)
            check(ok, f"context.output.{stream}", f"an output tail of at most {OUTPUT} characters")
    if "hang" in value:  # the guard's watchdog killed the program (SPEC §11.3)
        hang = part("hang")
        check(_is_object(value["hang"]) and _is_time(hang.get("watchdogSeconds")) and _is_time(hang.get("silentSeconds")),
              "context.hang", "a watchdog verdict")
        check("trace" not in hang or _is_text(hang["trace"], STACK), "context.hang.trace",
              f"a string of at most {STACK} characters")
    if "breadcrumbs" in value:
        crumbs = value["breadcrumbs"]
        ok = isinstance(crumbs, list) and len(crumbs) <= MAX_BREADCRUMBS and all(is_breadcrumb(crumb) for crumb in crumbs)
        check(ok, "context.breadcrumbs", f"a list of at most {MAX_BREADCRUMBS} breadcrumbs")
    return "; ".join(problems) if problems else None


def is_breadcrumb(crumb: Any) -> bool:
    return _is_object(crumb) and _is_count(crumb.get("seq")) and _is_time(crumb.get("time")) \
        and _is_text(crumb.get("text"), BREADCRUMB)
