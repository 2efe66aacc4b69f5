"""Small file operations shared by the writer and the guard."""
import os


def unlink_quietly(path: str) -> None:
    """Removes a temporary file of ours that a failed step leaves; one already gone is fine."""
    try:
        os.unlink(path)
    except OSError:
        pass
