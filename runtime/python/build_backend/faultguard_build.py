"""A PEP 517 build backend of the standard library alone, so that `pip install ./runtime/python` needs no package index.

It builds a pure-Python wheel of the `faultguard` package, an sdist, and an editable wheel
(PEP 660). The metadata comes from pyproject.toml's [project] table (the simple `key = "text"`
lines this project uses) and the version from faultguard/__init__.py.
"""
import base64
import hashlib
import io
import os
import re
import tarfile
import time
import zipfile
from typing import Dict, List, Optional, Tuple

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PACKAGE = "faultguard"


def _project() -> Dict[str, str]:
    fields: Dict[str, str] = {}
    section = None
    with open(os.path.join(ROOT, "pyproject.toml"), encoding="utf-8") as file:
        for line in file:
            line = line.strip()
            if line.startswith("["):
                section = line
            elif section == "[project]" and re.match(r'^[a-z-]+ = ".*"$', line):
                key, value = line.split(" = ", 1)
                fields[key] = value[1:-1]
    with open(os.path.join(ROOT, PACKAGE, "__init__.py"), encoding="utf-8") as file:
        fields["version"] = re.search(r'^__version__ = "([^"]+)"$', file.read(), re.M).group(1)  # type: ignore[union-attr]
    return fields


def _names() -> Tuple[Dict[str, str], str]:
    project = _project()
    return project, f"{re.sub(r'[-_.]+', '_', project['name'])}-{project['version']}"


def _metadata(project: Dict[str, str]) -> str:
    with open(os.path.join(ROOT, project["readme"]), encoding="utf-8") as file:
        readme = file.read()
    return (f"Metadata-Version: 2.1\nName: {project['name']}\nVersion: {project['version']}\n"
            f"Summary: {project['description']}\nLicense: {project['license']}\n"
            f"Requires-Python: {project['requires-python']}\nDescription-Content-Type: text/markdown\n\n{readme}")


def _sources() -> List[str]:
    found = []
    for folder, folders, files in os.walk(os.path.join(ROOT, PACKAGE)):
        folders[:] = sorted(name for name in folders if name != "__pycache__")
        found += [os.path.relpath(os.path.join(folder, name), ROOT) for name in sorted(files) if name.endswith(".py")]
    return found


def _wheel(directory: str, files: Dict[str, bytes], tag: str = "py3-none-any") -> str:
    project, stem = _names()
    info = f"{stem}.dist-info"
    files = {**files, f"{info}/METADATA": _metadata(project).encode(),
             f"{info}/WHEEL": f"Wheel-Version: 1.0\nGenerator: faultguard_build\nRoot-Is-Purelib: true\nTag: {tag}\n".encode(),
             f"{info}/top_level.txt": f"{PACKAGE}\n".encode()}
    record = []
    for name, content in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(content).digest()).rstrip(b"=").decode()
        record.append(f"{name},sha256={digest},{len(content)}")
    record.append(f"{info}/RECORD,,")
    files[f"{info}/RECORD"] = ("\n".join(record) + "\n").encode()
    wheel = f"{stem}-{tag}.whl"
    with zipfile.ZipFile(os.path.join(directory, wheel), "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0)), content)
    return wheel


def _read(relative: str) -> bytes:
    with open(os.path.join(ROOT, relative), "rb") as file:
        return file.read()


def get_requires_for_build_wheel(config_settings: Optional[dict] = None) -> List[str]:
    return []


get_requires_for_build_sdist = get_requires_for_build_editable = get_requires_for_build_wheel


def build_wheel(wheel_directory: str, config_settings: Optional[dict] = None, metadata_directory: Optional[str] = None) -> str:
    return _wheel(wheel_directory, {name: _read(name) for name in _sources()})


def build_editable(wheel_directory: str, config_settings: Optional[dict] = None, metadata_directory: Optional[str] = None) -> str:
    """The package imported from this checkout: a .pth file naming it (PEP 660)."""
    return _wheel(wheel_directory, {"faultguard_client_editable.pth": (ROOT + "\n").encode()})


def build_sdist(sdist_directory: str, config_settings: Optional[dict] = None) -> str:
    project, stem = _names()
    members = ["pyproject.toml", project["readme"], "build_backend/faultguard_build.py", *_sources()]
    name = f"{stem}.tar.gz"
    with tarfile.open(os.path.join(sdist_directory, name), "w:gz", format=tarfile.PAX_FORMAT) as archive:
        for member in [*members, "PKG-INFO"]:
            content = _metadata(project).encode() if member == "PKG-INFO" else _read(member)
            entry = tarfile.TarInfo(f"{stem}/{member}")
            entry.size, entry.mtime, entry.mode = len(content), int(time.time()), 0o644
            archive.addfile(entry, io.BytesIO(content))
    return name
