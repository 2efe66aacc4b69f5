"""Faultguard for Python: the original faultguard's API on Faultguard's language-agnostic guard.

    import faultguard
    faultguard.start(launch, rescue, args=("Hello", "World"))

See the "Using it from Python" section of the repository's README.
"""
from ._connect import connect, is_guarded
from ._data import FaultguardDict, RescuedData
from ._errors import AutosaveError, FaultguardWarning
from ._recover import is_active, recover, remove_autosave
from ._start import start
from ._values import Opaque, Pickled

__all__ = ["start", "recover", "is_active", "remove_autosave", "connect", "is_guarded",
           "FaultguardDict", "RescuedData", "AutosaveError", "FaultguardWarning", "Opaque", "Pickled"]
