"""Package formats. Importing this package registers every built-in packager."""

from __future__ import annotations

from mooc_builder.package import scorm12, scorm2004
from mooc_builder.package.base import PACKAGERS, Bundle, Packager

__all__ = ["PACKAGERS", "Bundle", "Packager", "scorm12", "scorm2004"]
