"""Where the files plankg reads live: ontology, shapes, queries, data, templates and static files.

The one module that locates them, in both kinds of install:

- a source checkout (``pip install -e .``, or the repository on ``PYTHONPATH``): the repository's
  top-level ``ontology/``, ``shapes/``, ``queries/``, ``data/`` directories;
- a wheel (``pip install .``): the same directories, which the build copies into the package as
  ``plankg/_resources/…`` (``[tool.hatch.build.targets.wheel.force-include]`` in pyproject.toml),
  so that they keep one place in the repository and the wheel still carries them.

Templates and static files sit inside the ``service`` package in both cases.

Where plankg *writes* (``dist/``, the store under ``var/``) is ``plankg.settings.Settings.home``:
the checkout in a checkout, never ``site-packages``.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from pathlib import Path

PACKAGED = "_resources"  # plankg/_resources in a wheel; keep in step with pyproject.toml
DATA_DIRS = ("ontology", "shapes", "queries", "data")  # what the wheel copies in


def _directory(package: str) -> Path:
    # files() of a package installed as files on disk is a pathlib.Path; a zipped install is not
    # supported, and saying so beats a FileNotFoundError far from here
    found = files(package)
    if not isinstance(found, Path):
        raise RuntimeError(f"plankg must be installed as files on disk, not as {type(found).__name__} ({found})")
    return found


@cache
def source_root() -> Path:
    """The directory that holds ``ontology/``, ``shapes/``, ``queries/`` and ``data/``."""
    package = _directory("plankg")
    packaged = package / PACKAGED
    if packaged.is_dir():
        return packaged
    return package.parent


def is_packaged(root: Path) -> bool:
    """Whether ``root`` is the data a wheel carries (read-only: nothing is written next to it)."""
    return root.name == PACKAGED and root.parent == _directory("plankg")


def templates_dir() -> Path:
    return _directory("service") / "templates"


def static_dir() -> Path:
    return _directory("service") / "static"
