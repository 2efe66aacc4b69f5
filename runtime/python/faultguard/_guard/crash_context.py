"""Why the child died (SPEC §10.6), assembled by the guard once it has ended abnormally, and written beside the journal.

From whatever is there, each part bounded and checked, each source optional: the client's
context journal (its uncaught error, its breadcrumbs), faulthandler's trace in the run folder,
the OOM verdict and the output the guard kept. Nothing read here is ever run: the context
journal's values are read as JSON only (a pickle in it stays unread), the trace as text.
"""
import json
import os
import sys
from typing import Any, Callable, Dict, List, Optional, Tuple

from .. import _crash_context as cc
from .. import _journal, _values
from .._files import read_regular_file
from .._values import json_bytes


def collect(run_folder: str, context_journal: str, output: Dict[str, Any], oom: Optional[str]) -> Optional[Dict[str, Any]]:
    """The context object, or None when nothing is known."""
    error, breadcrumbs = _recorded(context_journal)
    trace = read_regular_file(os.path.join(run_folder, cc.NATIVE_TRACE_NAME), cc.NATIVE_TRACE)
    context: Dict[str, Any] = {"format": cc.CONTEXT_FORMAT}
    if error is not None:
        context["error"] = error
    if trace:
        context["nativeTrace"] = {"source": "faulthandler",
                                  "text": cc.cut_start(trace.decode("utf-8", "replace"), cc.NATIVE_TRACE)}
    if oom is not None:
        context["oom"] = {"evidence": cc.cut_start(oom, 256)}
    if output:
        context["output"] = output
    if breadcrumbs:
        context["breadcrumbs"] = breadcrumbs
    return context if len(context) > 1 else None


def _recorded(path: str) -> Tuple[Optional[Dict[str, Any]], List[Dict[str, Any]]]:
    """The client's last error (if it holds to §10.2) and its breadcrumbs, oldest first; nothing if unreadable."""
    journal = read_regular_file(path)
    if journal is None:
        return None, []
    try:
        found = _journal.scan(journal)  # a torn record at the end is a breadcrumb that never returned
    except _journal.JournalError:
        return None, []

    def value(key: str) -> Any:
        tag, offset, size, _record = found.live[key]
        if tag != _values.JSON:
            return None
        try:
            return json.loads(journal[offset:offset + size].decode("utf-8"))
        except (ValueError, RecursionError):  # not JSON, or nested deeper than Python parses
            return None

    error = value(cc.ERROR_KEY) if cc.ERROR_KEY in found.live else None
    if cc.context_problem({"format": cc.CONTEXT_FORMAT, "error": error}) is not None:
        error = None  # the program's word: one that does not hold to the limits is left out whole
    breadcrumbs = []
    for key in found.live:
        if not (isinstance(key, str) and key.startswith(cc.BREADCRUMB_KEY_PREFIX)):
            continue
        crumb = value(key)
        if isinstance(crumb, dict) and isinstance(crumb.get("text"), str):
            crumb = {"seq": crumb.get("seq"), "time": crumb.get("time"), "text": cc.cut_start(crumb["text"], cc.BREADCRUMB)}
            if cc.is_breadcrumb(crumb):
                breadcrumbs.append(crumb)
    breadcrumbs.sort(key=lambda crumb: crumb["seq"])
    return error, breadcrumbs[-cc.MAX_BREADCRUMBS:]


def write_file(run_folder: str, context: Dict[str, Any], quiet_until: Callable[[], None]) -> None:
    """crash-context.json beside the journal (§10.6), for whoever reads a kept run; a failure is reported, the run goes on."""
    path = os.path.join(run_folder, cc.CRASH_CONTEXT_FILE)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
        with os.fdopen(fd, "wb") as file:
            file.write(json_bytes(context, indent=2) + b"\n")
    except OSError as error:
        quiet_until()
        print(f"faultguard: cannot write the crash context to {path}: {getattr(error, 'strerror', None) or error}",
              file=sys.stderr, flush=True)
