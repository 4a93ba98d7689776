"""``mooc init``: start a course folder from the template in ``assets/templates``."""

from __future__ import annotations

import re
from pathlib import Path
from string import Template

from mooc_builder.errors import UsageError
from mooc_builder.resources import course_schema_path, data_dir

SUBFOLDERS = ("media", "slides", "captions")


def slug(name: str) -> str:
    """A course id from a folder name: ``Quyen con nguoi 2026`` -> ``quyen-con-nguoi-2026``."""
    text = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    if not text or not text[0].isalpha():
        text = "course-" + text if text else "course"
    return text[:64].rstrip("-")


def init_course(
    folder: Path, course_id: str | None = None, language: str = "vi", languages: str = "vi, en"
) -> Path:
    """Write ``folder/course.yaml``, its schema and the media folders; never overwrite a course."""
    target = folder / "course.yaml"
    if target.exists():
        raise UsageError(f"{target} already exists", hint="choose an empty folder")
    langs = [tag.strip() for tag in languages.split(",") if tag.strip()]
    template = Template((data_dir("assets") / "templates" / "course.yaml").read_text("utf-8"))
    text = template.substitute(
        folder=folder.as_posix(),
        course_id=course_id or slug(folder.resolve().name),
        language=language,
        languages=", ".join(langs),
        captions="\n".join(f"      {tag}: captions/lesson-1.{tag}.vtt" for tag in langs),
    )
    for sub in SUBFOLDERS:
        (folder / sub).mkdir(parents=True, exist_ok=True)
    # A copy of the schema beside the course, so that editors check the file offline.
    (folder / "course.schema.json").write_bytes(course_schema_path().read_bytes())
    target.write_text(text, encoding="utf-8")
    return target
