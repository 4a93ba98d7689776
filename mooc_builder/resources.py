"""The only code that locates the non-Python files shipped with mooc-builder.

In a wheel, ``scorm/`` and ``assets/`` live inside the package as ``mooc_builder/_data/…``
(hatchling ``force-include``); in a source checkout they sit beside the package. Everything else
asks this module and never builds such paths itself.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path

_PACKAGE = Path(str(resources.files("mooc_builder")))


@cache
def data_dir(name: str) -> Path:
    """The folder ``name`` (``scorm`` or ``assets``), installed or from the checkout."""
    installed = _PACKAGE / "_data" / name
    if installed.is_dir():
        return installed
    checkout = _PACKAGE.parent / name
    if checkout.is_dir():
        return checkout
    raise FileNotFoundError(f"mooc-builder is missing its '{name}' folder (reinstall the package)")


def course_schema_path() -> Path:
    """The JSON Schema of course.yaml."""
    return _PACKAGE / "course" / "course.schema.json"
