"""The Python client's benchmark figures (test/bench/python-client.ts), for whichever faultguard is on PYTHONPATH.

Usage: python3 python_client.py set <folder>        64 B stored again and again, beside a bare os.pwrite
       python3 python_client.py breadcrumb           a breadcrumb of 64 characters, beside a 64 B store (ours only)
       python3 python_client.py ping                 data.ping() beside a 64 B store, under `faultguard run --watchdog` (ours only)
       python3 python_client.py rescue <n>           n small values stored, SIGKILL, until the rescue is called
       python3 python_client.py autosave <folder>    one autosave of a 7 MB state and 1 MiB of random bytes
Prints one line: `result <json>`. The same code paths run against the original faultguard 1.1.1
(its save is what its guard runs: lzma.open + pickle.dump of the managed dict) and ours.
"""
import functools
import json
import os
import random
import signal
import statistics
import sys
import time

import faultguard

ORIGINAL = not hasattr(faultguard, "__version__")


def result(**figures: object) -> None:
    print("result " + json.dumps(figures), flush=True)


def bench_set(folder: str) -> None:
    value = os.urandom(64)
    reference = os.open(os.path.join(folder, "reference"), os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o600)
    ops = 300 if ORIGINAL else 5000

    def launch(data: object) -> None:
        stores, writes, end = [], [], 0
        for round in range(45):
            start = time.perf_counter_ns()
            for _ in range(ops):
                data["value"] = value  # type: ignore[index]
            stores.append((time.perf_counter_ns() - start) / ops)
            start = time.perf_counter_ns()
            for _ in range(ops):
                os.pwrite(reference, value, end)  # appending, as the journal does
                end += len(value)
            writes.append((time.perf_counter_ns() - start) / ops)
        result(storeNs=statistics.median(stores[5:]), pwriteNs=statistics.median(writes[5:]))

    faultguard.start(launch, lambda data, code: None)


def by_turns(data: object, operation: object) -> dict:
    """Medians of `operation()` and of a 64 B store, timed by turns so that both meet the same machine."""
    value = os.urandom(64)
    stores, operations = [], []
    for round in range(45):
        start = time.perf_counter_ns()
        for _ in range(5000):
            data["value"] = value  # type: ignore[index]
        stores.append((time.perf_counter_ns() - start) / 5000)
        start = time.perf_counter_ns()
        for _ in range(5000):
            operation()  # type: ignore[operator]
        operations.append((time.perf_counter_ns() - start) / 5000)
    return {"ns": statistics.median(operations[5:]), "storeNs": statistics.median(stores[5:])}


def bench_breadcrumb() -> None:
    text = "step 1234: opened notes/today.md, 3 sections, cursor at line 12"  # 64 characters

    def launch(data: object) -> None:
        figures = by_turns(data, functools.partial(data.breadcrumb, text))  # type: ignore[attr-defined]
        result(breadcrumbNs=figures["ns"], storeNs=figures["storeNs"])

    faultguard.start(launch, lambda data, code: None)


def bench_ping() -> None:
    data = faultguard.connect()
    assert data is not None and data.ping(), "python_client.py ping runs under faultguard run --watchdog"
    figures = by_turns(data, data.ping)
    result(pingNs=figures["ns"], storeNs=figures["storeNs"])


def bench_rescue(count: int) -> None:
    def launch(data: object) -> None:
        for i in range(count):
            data[f"value {i}"] = i  # type: ignore[index]
        data["killed at"] = time.perf_counter()  # type: ignore[index]  # CLOCK_MONOTONIC: the same clock in both processes
        os.kill(os.getpid(), signal.SIGKILL)

    def rescue(data: object, exit_code: int) -> None:
        called = time.perf_counter()
        result(seconds=called - data["killed at"], values=len(data), exitCode=exit_code)  # type: ignore[index, arg-type]

    faultguard.start(launch, rescue)


def state() -> dict:
    """Like an editor's or a game's state: rows of ids, names, numbers, flags and short text, in values of ~100 KB."""
    rng = random.Random(7)
    rows = [{"id": i, "name": f"item {i}", "owner": f"user{i % 977}@example.com", "score": rng.randrange(10 ** 8) / 100,
             "tags": ["red", "green", "blue"][:i % 3 + 1], "done": i % 2 == 0, "note": os.urandom(6).hex()}
            for i in range(60_000)]
    values = {f"rows/{k}": rows[k * 850:(k + 1) * 850] for k in range(len(rows) // 850 + 1)}
    values["thumbnail"] = os.urandom(1 << 20)
    return values


def bench_autosave(folder: str) -> None:
    values = state()
    if ORIGINAL:
        import lzma
        import pickle
        from multiprocessing import Manager
        manager = Manager()
        managed = manager.dict()
        faultguard.FaultguardDict(managed).update(values)  # pickled as its FaultguardDict stores them
        size = sum(len(pickle.dumps(value)) for value in values.values())
        times = []
        for i in range(3):
            start = time.perf_counter()
            with lzma.open(os.path.join(folder, f"original-{i}.xz"), "w") as file:  # its guard's autosave, verbatim
                pickle.dump(dict(managed), file)
            times.append(time.perf_counter() - start)
        manager.shutdown()
        result(seconds=statistics.median(times), bytes=size, onDisk=os.path.getsize(os.path.join(folder, "original-0.xz")))
        return
    from faultguard import _journal, _values
    from faultguard._guard.autosave_target import claim
    from faultguard._guard.autosaver import Autosaver
    journal = os.path.join(folder, "journal")
    with open(journal, "wb") as file:
        file.write(_journal.header())
        for key, value in values.items():
            tag, raw = _values.encode(value)
            file.write(_journal.encode_record(_journal.SET, tag, key.encode(), raw) + raw)
    times = []
    for i in range(5):
        target = os.path.join(folder, f"ours-{i}.fgsave")
        saver = Autosaver(claim(target), 3600, journal, os.getpid(), ["bench"])
        start = time.perf_counter()
        saved = saver._save_journal(None)  # one periodic save: read, compact, compress, write, rename
        times.append(time.perf_counter() - start)
        assert saved, "the save failed"
    result(seconds=statistics.median(times), bytes=os.path.getsize(journal), onDisk=os.path.getsize(target))


if __name__ == "__main__":
    what = sys.argv[1]
    if what == "set":
        bench_set(sys.argv[2])
    elif what == "breadcrumb":
        bench_breadcrumb()
    elif what == "ping":
        bench_ping()
    elif what == "rescue":
        bench_rescue(int(sys.argv[2]))
    else:
        bench_autosave(sys.argv[2])
