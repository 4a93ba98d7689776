"""mooc-builder: course.yaml in, LMS packages and training-coverage reports out.

The public entry points are importable functions; the ``mooc`` command is a thin layer over them::

    from mooc_builder import check_course
    report = check_course("courses/human-rights")
    print(report.ok(), [p.format() for p in report.errors])
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__", "check_course"]


def __getattr__(name: str) -> object:
    # Imported lazily so that `mooc --version` and small tools stay fast.
    if name == "check_course":
        from mooc_builder.check import check_course

        return check_course
    raise AttributeError(name)
