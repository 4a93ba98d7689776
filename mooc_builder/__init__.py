"""mooc-builder: course.yaml in, LMS packages and training-coverage reports out."""

from __future__ import annotations

__version__ = "0.1.0"
