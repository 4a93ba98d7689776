"""mooc-builder: course.yaml in, LMS packages and training-coverage reports out.

The public entry points are importable functions; the ``mooc`` command is a thin layer over them::

    from mooc_builder import build, check_course
    report = check_course("courses/human-rights")
    print(report.ok(), [p.format() for p in report.errors])
    result = build("courses/human-rights", "dist/human-rights", formats=("scorm12",))
    print([a.path for a in result.artifacts])
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__", "build", "check_course"]


def __getattr__(name: str) -> object:
    # Imported lazily so that `mooc --version` and small tools stay fast.
    if name == "check_course":
        from mooc_builder.check import check_course

        return check_course
    if name == "build":
        from mooc_builder.pipeline import build

        return build
    raise AttributeError(name)
