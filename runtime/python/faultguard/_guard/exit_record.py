"""How a child ended, as the exit record of SPEC §5 (categories of fault.system.process)."""
import os
import signal
from typing import Any, Dict

# Signal name → (category, description), SPEC §5's table.
_SIGNALS = {
    "SIGHUP": ("terminal/closed", "hangup: the terminal closed"),
    "SIGINT": ("process/interrupt", "interrupted (Ctrl-C)"),
    "SIGQUIT": ("process/quit", "quit (Ctrl-\\)"),
    "SIGILL": ("error/invalid-instruction", "illegal instruction"),
    "SIGTRAP": ("error/trap", "trace or breakpoint trap"),
    "SIGABRT": ("process/abort", "aborted"),
    "SIGBUS": ("error/invalid-memory-access", "bus error: invalid memory access"),
    "SIGFPE": ("exception/floating-point", "arithmetic exception"),
    "SIGKILL": ("process/kill", "killed"),
    "SIGUSR1": ("user/1", "user signal 1"),
    "SIGSEGV": ("error/restricted-memory-access", "segmentation fault"),
    "SIGUSR2": ("user/2", "user signal 2"),
    "SIGPIPE": ("exception/broken-pipe", "broken pipe"),
    "SIGALRM": ("limit/alarm", "alarm clock"),
    "SIGTERM": ("process/terminate", "terminated"),
    "SIGSTKFLT": ("error/stack-fault", "coprocessor stack fault"),
    "SIGCHLD": ("process/child", "child status changed"),
    "SIGCONT": ("process/continue", "continued"),
    "SIGSTOP": ("process/stop", "stopped"),
    "SIGTSTP": ("terminal/stop", "stopped from the terminal"),
    "SIGTTIN": ("terminal/background-read", "background read from the terminal"),
    "SIGTTOU": ("terminal/background-write", "background write to the terminal"),
    "SIGURG": ("io/urgent", "urgent socket condition"),
    "SIGXCPU": ("limit/cpu", "CPU time limit exceeded"),
    "SIGXFSZ": ("limit/file", "file size limit exceeded"),
    "SIGVTALRM": ("limit/time", "virtual timer expired"),
    "SIGPROF": ("limit/profiling", "profiling timer expired"),
    "SIGWINCH": ("terminal/delta", "terminal window size changed"),
    "SIGIO": ("io/possible", "I/O possible"),
    "SIGPWR": ("system/power-failure", "power failure"),
    "SIGSYS": ("error/invalid-system-call", "bad system call"),
}


def signal_name(number: int) -> str:
    """The POSIX name; the first of two (SIGABRT, SIGIO); real-time signals as SIGRTMIN+n (§5)."""
    if signal.SIGRTMIN <= number <= signal.SIGRTMAX:
        return f"SIGRTMIN+{number - signal.SIGRTMIN}" if number > signal.SIGRTMIN else "SIGRTMIN"
    if number == signal.SIGABRT:
        return "SIGABRT"
    if number == getattr(signal, "SIGIO", -1):
        return "SIGIO"
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"SIG{number}"


def from_wait_status(status: int) -> Dict[str, Any]:
    if os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        name = signal_name(number)
        category, description = _SIGNALS.get(name, (None, None))
        if category is None:
            return {"code": None, "signal": name, "category": "signal/" + name[3:].lower(),
                    "reason": f"ended by a signal ({name})", "status": -number}
        return {"code": None, "signal": name, "category": category, "reason": f"{description} ({name})", "status": -number}
    code = os.WEXITSTATUS(status)
    return {"code": code, "signal": None, "category": "exit/success" if code == 0 else "exit/failure",
            "reason": "exited normally" if code == 0 else f"exited with code {code}", "status": code}
