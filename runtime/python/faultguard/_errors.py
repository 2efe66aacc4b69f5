"""The errors of autosave reading, like the TypeScript client's AutosaveError, and the warning."""


class AutosaveError(RuntimeError):
    """A problem with an autosave file. A RuntimeError, as the original's recover() raises.

    `problem` says what kind: missing, claim, unreadable, invalid, too-large, live, unavailable.
    """

    def __init__(self, path: str, problem: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path
        self.problem = problem
        self.reason = message


class AutosaveMissing(AutosaveError, FileNotFoundError):
    """No such file: also a FileNotFoundError, which is what the original raises then."""


def missing(path: str) -> AutosaveMissing:
    return AutosaveMissing(path, "missing", "no such file")


class FaultguardWarning(UserWarning):
    """Something the caller should know that is not an error: an older generation read, a file not trusted."""
