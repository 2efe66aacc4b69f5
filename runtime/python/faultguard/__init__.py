"""Faultguard for Python: a drop-in for the original faultguard 1.1.x, speaking Faultguard's protocol.

    import faultguard
    faultguard.start(launch, rescue, args=("Hello", "World"))

See the "Using it from Python" section of the project's README.
"""
from ._connect import connect, is_guarded
from ._data import FaultguardDict, RescuedData
from ._errors import AutosaveError, AutosaveMissing, FaultguardWarning
from ._keys import OpaqueKey
from ._recover import is_active, recover, remove_autosave
from ._start import start
from ._values import Opaque

__version__ = "0.2.0"

__all__ = ["start", "recover", "is_active", "remove_autosave", "connect", "is_guarded", "FaultguardDict",
           "RescuedData", "AutosaveError", "AutosaveMissing", "FaultguardWarning", "Opaque", "OpaqueKey", "__version__"]
