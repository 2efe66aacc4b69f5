"""start(): the original's entry point, with the guard being Faultguard's own (the `faultguard run` CLI).

The calling process stays the caller: it runs the guard, which runs this same program again as the
guarded child; in that copy the guard's environment variables are present, so start() connects
and calls launch. After an abnormal end the guard hands the journal over (its `--on-crash`
command, SPEC §6) and start() calls rescue here, in the caller, with the data.
"""
import math
import os
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional

from . import _connect
from ._data import RescuedData

CLI_VARIABLE = "FAULTGUARD_CLI"

# Sent by the terminal to its whole foreground group, so the guard and the program have them
# already: the caller only must not die of them while it waits.
_TERMINAL_SIGNALS = ("SIGINT", "SIGQUIT", "SIGHUP")
# Sent to the caller alone (kill <pid>): passed to the guard, which relays them to the program.
_RELAYED_SIGNALS = ("SIGTERM", "SIGUSR1", "SIGUSR2")
# The guard's own failures before the program starts (SPEC §4.3 step 1).
_GUARD_START_FAILURES = (2, 125, 126, 127)


def find_guard() -> List[str]:
    """The guard's command: $FAULTGUARD_CLI, else this repository's runtime/dist/cli.js, else `faultguard` on PATH."""
    candidate = os.environ.get(CLI_VARIABLE) or None
    if candidate is None:
        bundled = Path(__file__).resolve().parents[2] / "dist" / "cli.js"
        candidate = str(bundled) if bundled.is_file() else shutil.which("faultguard")
    if candidate is None:
        raise RuntimeError(f"faultguard: cannot find the guard: set {CLI_VARIABLE} to the faultguard CLI "
                           "(runtime/dist/cli.js, built by `npm run build`) or put `faultguard` on PATH")
    # A command name is looked up on PATH, a path (or a .js file, which node opens) taken as it is.
    found = shutil.which(candidate) if os.sep not in candidate and not candidate.endswith(".js") else candidate
    if found is None or not os.path.isfile(found):
        raise RuntimeError(f"faultguard: cannot find the guard {candidate} ({CLI_VARIABLE}): no such file"
                           f"{'' if found else ' on PATH'}; set {CLI_VARIABLE} to the faultguard CLI "
                           "(runtime/dist/cli.js, built by `npm run build`)")
    if not candidate.endswith(".js"):
        return [candidate]
    node = shutil.which("node")
    if node is None:
        raise RuntimeError(f"faultguard: the guard {candidate} needs Node.js, and `node` is not on PATH")
    return [node, candidate]


def _initial_cwd() -> Optional[str]:
    try:
        return os.getcwd()
    except OSError:
        return None


# Where the program started (when this package is imported, with the program's first imports): a
# relative script path means this folder, even after the program's os.chdir().
_INITIAL_CWD = _initial_cwd()


def _script(path: str) -> str:
    return os.path.join(_INITIAL_CWD, path) if _INITIAL_CWD is not None else path


def _this_program() -> List[str]:
    """The command line that runs this program again: interpreter, its options, the script or module, the arguments."""
    orig_argv = getattr(sys, "orig_argv", None)  # Python 3.10+: exactly as started, -c and -m included
    if orig_argv and sys.argv[0] not in ("", "-"):
        command = [sys.executable, *orig_argv[1:]]
        at = len(orig_argv) - len(sys.argv)  # where sys.argv[0] is, if it is the script's path
        if sys.argv[0] != "-c" and 0 < at and command[at] == sys.argv[0]:
            command[at] = _script(sys.argv[0])
        return command
    main = sys.modules.get("__main__")
    spec = getattr(main, "__spec__", None)
    flags: List[str] = subprocess._args_from_interpreter_flags()  # type: ignore[attr-defined]
    if spec is not None and spec.name:
        return [sys.executable, *flags, "-m", spec.name.replace(".__main__", ""), *sys.argv[1:]]
    if sys.argv[0] in ("", "-", "-c"):
        raise RuntimeError("faultguard.start() runs this program again as the guarded child, "
                           "so it needs a script or module (`python3 app.py`), not standard input or an interactive session")
    return [sys.executable, *flags, _script(sys.argv[0]), *sys.argv[1:]]


def _check_arguments(launch: Any, rescue: Any, autosave_interval: Any, autosave_file: Any) -> None:
    if not callable(launch) or not callable(rescue):
        raise TypeError("faultguard.start: launch and rescue must be callable")
    if (autosave_interval is None) != (autosave_file is None):
        raise TypeError("Only one of the arguments 'autosave_interval' and 'autosave_file' is defined")
    if autosave_file is None:
        return
    if isinstance(autosave_interval, bool) or not isinstance(autosave_interval, (int, float)):
        raise TypeError("faultguard.start: autosave_interval must be a number of seconds")
    if not (math.isfinite(autosave_interval) and autosave_interval > 0):
        raise ValueError("faultguard.start: autosave_interval must be a positive number of seconds")
    if not isinstance(autosave_file, (str, os.PathLike)):
        raise TypeError("faultguard.start: autosave_file must be a path")


def _check_autosave_free(autosave_file: Any) -> None:
    """The original's rule: never write to an existing autosave file (the guard claims it once this passes)."""
    if autosave_file is None:
        return
    path = os.fspath(autosave_file)
    if os.path.lexists(path) and not os.path.isdir(path):
        raise RuntimeError("The given autosave file already exists")
    if os.path.lexists(path + ".prev"):
        raise RuntimeError(f"The given autosave file's previous generation {path}.prev is left from an earlier run; "
                           "recover it, then faultguard.remove_autosave() it")


def _call(function: Callable[..., Any], data: Any, middle: List[Any], args: Any) -> Any:
    # The original passes args only when given: launch(data) / rescue(data, exit_code).
    return function(data, *middle) if args is None else function(data, *middle, args)


def _handoff_command(folder: str) -> str:
    """The guard's --on-crash command: copy the journal and the exit record out for this process (SPEC §6)."""
    target = shlex.quote(folder)
    return (f'cp -- "$FAULTGUARD_RESCUE_JOURNAL" {target}/journal && '
            'printf "%s\\n" "$FAULTGUARD_EXIT_STATUS" "$FAULTGUARD_EXIT_CODE" "$FAULTGUARD_EXIT_SIGNAL" '
            f'"$FAULTGUARD_EXIT_CATEGORY" "$FAULTGUARD_EXIT_REASON" > {target}/exit')


def _read_handoff(folder: str) -> Optional[RescuedData]:
    try:
        with open(os.path.join(folder, "exit"), encoding="utf-8") as file:
            status, code, signal_name, category, reason = file.read().split("\n", 4)
        with open(os.path.join(folder, "journal"), "rb") as file:
            journal = file.read()
    except FileNotFoundError:
        return None
    exit: Dict[str, Any] = {"code": int(code) if code else None, "signal": signal_name or None,
                            "category": category, "reason": reason.rstrip("\n"), "status": int(status)}
    return RescuedData.from_journal(journal, exit)


def _run_guard(argv: List[str]) -> int:
    """Runs the guard to its end; meanwhile this process survives the terminal's signals and passes on kill's."""
    sys.stdout.flush()
    sys.stderr.flush()
    started: List[subprocess.Popen] = []  # type: ignore[type-arg]
    pending: List[int] = []  # sent to this process before the guard was there to be told

    def relay(number: int, _frame: Any) -> None:
        if started:
            started[0].send_signal(number)
        else:
            pending.append(number)

    previous = {}
    try:
        # The handlers first: a `kill <pid>` as the guard starts must not end this process.
        if threading.current_thread() is threading.main_thread():
            for name in _TERMINAL_SIGNALS + _RELAYED_SIGNALS:
                number = getattr(signal, name)
                # A Python handler, not SIG_IGN: the guard must not inherit an ignored signal.
                previous[number] = signal.signal(number, relay if name in _RELAYED_SIGNALS else lambda *_: None)
        started.append(subprocess.Popen(argv))
        while pending:
            started[0].send_signal(pending.pop(0))
        return started[0].wait()
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def start(launch: Callable[..., Any], rescue: Callable[..., Any], args: Any = None,
          autosave_interval: Optional[float] = None, autosave_file: Optional[str] = None) -> int:
    """Runs launch(data[, args]) in a guarded child process; after an abnormal end calls rescue(data, exit_code[, args]).

    Returns the exit code: the child's code, or minus the signal that ended it (-11 for SIGSEGV).
    """
    if _connect.connected() is not None:
        raise RuntimeError("faultguard.start() was called inside the guarded program: it is guarded already")
    _check_arguments(launch, rescue, autosave_interval, autosave_file)
    if _connect.is_guarded():
        # The guarded copy (or a program under `faultguard run`): the program's work, then its end,
        # so that code after start() runs only in the caller, as with the original's child process.
        _call(launch, _connect.connect(), [], args)
        sys.exit(0)
    _check_autosave_free(autosave_file)
    argv = [*find_guard(), "run", "--quiet"]
    if autosave_file is not None:
        argv += ["--autosave", os.fspath(autosave_file), "--interval", repr(float(autosave_interval))]  # type: ignore[arg-type]
    handoff = tempfile.mkdtemp(prefix="faultguard-handoff-")
    keep = False
    try:
        status = _run_guard(argv + ["--on-crash", _handoff_command(handoff), "--", *_this_program()])
        if status == 0:
            return 0
        data = _read_handoff(handoff)
        if data is None:
            what = "could not start the program" if status in _GUARD_START_FAILURES else "ended without handing the data over"
            raise RuntimeError(f"faultguard: the guard {what} (exit status {status}); its message says why")
        keep = True  # until the rescue has returned: it may fail, and the data must not go with it
        _call(rescue, data, [data.exit["status"]], args)  # type: ignore[index]
        keep = False
        return int(data.exit["status"])  # type: ignore[index]
    finally:
        if keep:
            print(f"faultguard: the rescue failed; the data is kept in {handoff}/journal", file=sys.stderr)
        else:
            shutil.rmtree(handoff, ignore_errors=True)
