"""Times as the files write them: ISO 8601 UTC with milliseconds (SPEC §4.2, §7.2), and the names' stamps."""
import time


def iso(seconds: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + f".{int(seconds * 1000) % 1000:03d}Z"


def compact(seconds: float, milliseconds: bool) -> str:
    """`20261122T111536Z`, or with milliseconds `20261122T111536446Z` (§4.2, §7.6)."""
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime(seconds))
    return f"{stamp}{int(seconds * 1000) % 1000:03d}Z" if milliseconds else stamp + "Z"
