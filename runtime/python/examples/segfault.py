"""A guarded program that dies of a real segmentation fault; its data is rescued.

    PYTHONPATH=runtime/python python3 runtime/python/examples/segfault.py
"""
import ctypes

import faultguard


def launch(data, args):
    counts = bytearray(3)  # stored pickled (it is neither JSON nor bytes), so it comes back a bytearray
    greeting = args[0] + ", " + args[1]
    for step in range(10):
        counts[step % 3] = step
        greeting += str(step)
        data["counts"] = counts  # returns once the value is safe from this process's death
        data["greeting"] = greeting
        if step == 7:
            ctypes.string_at(0)  # reads address 0: SIGSEGV


def rescue(data, exit_code, args):
    print("crashed with exit code {}; rescued:".format(exit_code))
    for key in data:
        print(" ", key, "=", data[key])


if __name__ == "__main__":
    faultguard.start(launch, rescue, args=("Hello", "World"))
