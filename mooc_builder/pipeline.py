"""The build pipeline behind ``mooc build``: check, then package every lesson and the course.

The pipeline runs one way: load -> check (probe) -> render slides -> assemble lesson assets ->
packagers make bundles -> the writer writes zips into a temporary folder that replaces the output
folder at the end. Two levels of reuse make rebuilds cheap:

- when the inputs (course.yaml, every media file, the player, the options, this version) hash
  the same as the previous build's, the previous output is kept as it is;
- otherwise each zip whose content key equals one in the previous build.json is linked or
  copied from it instead of being written again, so editing one caption file rewrites only that
  lesson's zips and the course zips.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from mooc_builder import __version__
from mooc_builder.cache import BuildCache, sha256_bytes
from mooc_builder.check import CheckReport, check_course
from mooc_builder.course.model import Course
from mooc_builder.course.validate import find_course_file, load_course
from mooc_builder.errors import WARNING, CheckFailed, Problem, UsageError
from mooc_builder.media.render import RenderError, render_slides, renderer
from mooc_builder.package import PACKAGERS, Bundle
from mooc_builder.package.player import lesson_assets
from mooc_builder.resources import data_dir
from mooc_builder.write import (
    BUILD_FILE,
    Artifact,
    atomic_folder,
    link_or_copy,
    read_build_json,
    sha256_file,
    write_json,
    write_zip,
)

DEFAULT_FORMATS = ("scorm12", "scorm2004")
WRITER_VERSION = 1
"""Bump when the zip layout changes, so that earlier artifacts are not reused."""

SlidesMode = Literal["auto", "images", "html"]
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class BuildResult:
    """What a build produced."""

    out_dir: Path
    artifacts: tuple[Artifact, ...]
    warnings: tuple[Problem, ...] = ()
    written: int = 0
    reused: int = 0
    up_to_date: bool = False
    notes: tuple[str, ...] = field(default=())
    """Things the designer should know that are not course problems (e.g. slides not rendered)."""


def parse_formats(formats: str | Iterable[str]) -> tuple[str, ...]:
    """``"scorm12,scorm2004"`` -> ``("scorm12", "scorm2004")``; unknown names are a usage error."""
    names = formats.split(",") if isinstance(formats, str) else list(formats)
    out = tuple(dict.fromkeys(n.strip().lower() for n in names if n.strip()))
    unknown = [n for n in out if n not in PACKAGERS]
    if unknown or not out:
        raise UsageError(
            f"unknown format {', '.join(unknown) or '(none)'}",
            hint=f"choose from {', '.join(sorted(PACKAGERS))}",
        )
    return out


def build(
    course_path: str | Path,
    out_dir: str | Path | None = None,
    formats: str | Iterable[str] = DEFAULT_FORMATS,
    *,
    jobs: int | None = None,
    slides: SlidesMode = "auto",
    cache: BuildCache | None = None,
    progress: Progress | None = None,
) -> BuildResult:
    """Check the course and write its packages; raise :class:`CheckFailed` if it has errors."""
    fmts = parse_formats(formats)
    cache = cache if cache is not None else BuildCache()
    course_file = find_course_file(course_path)
    loaded = load_course(course_file)
    course = loaded.course
    out = (
        Path(out_dir) if out_dir is not None else Path("dist") / (course.id if course else "course")
    )
    fingerprint = _inputs_fingerprint(course, course_file, fmts, slides, cache)
    previous = read_build_json(out)
    if fingerprint and previous and previous.get("inputs") == fingerprint:
        kept = _intact(out, previous)
        if kept is not None:
            cache.save()
            return BuildResult(
                out.absolute(), kept, _warnings_from(previous, course_file), up_to_date=True
            )

    report = check_course(course_file, progress=progress, cache=cache, loaded=loaded)
    if report.errors or report.course is None:
        n = len(report.errors)
        raise CheckFailed(
            f"{n} error{'s' if n != 1 else ''} in the course: nothing was built",
            problems=report.problems,
            hint="fix the errors above, then build again (mooc check shows them too)",
        )
    course = report.course
    images, notes = _slide_images(report, slides, cache)
    assets = [
        lesson_assets(course, report.facts(lesson.id), images.get(lesson.id))
        for lesson in course.lessons
    ]
    bundles = [b for name in fmts for b in PACKAGERS[name]().bundles(course, assets)]
    reusable = {a["key"]: a for a in (previous or {}).get("artifacts", []) if "key" in a}

    with atomic_folder(out) as tmp:
        artifacts, written = _write_all(bundles, tmp, out, reusable, cache, jobs, progress)
        write_json(
            tmp / BUILD_FILE,
            {
                "course": course.id,
                "mooc_builder": __version__,
                "inputs": fingerprint,
                "artifacts": [a.to_json() for a in artifacts],
                "warnings": [p.to_json(course.root) for p in report.warnings],
            },
        )
    cache.save()
    return BuildResult(
        out.absolute(),
        tuple(artifacts),
        tuple(report.warnings),
        written=written,
        reused=len(artifacts) - written,
        notes=tuple(notes),
    )


def _slide_images(
    report: CheckReport, mode: SlidesMode, cache: BuildCache
) -> tuple[dict[str, list[bytes]], list[str]]:
    """Rendered slides per lesson id (empty where the slides are laid out as HTML)."""
    if mode == "html":
        return {}, []
    if renderer() is None:
        if mode == "images":
            raise UsageError(
                "--slides images needs LibreOffice (soffice) and pdftoppm",
                hint="install them (Debian: apt-get install libreoffice-impress poppler-utils) "
                "or use --slides html",
            )
        return {}, ["slides are laid out as HTML: install LibreOffice and pdftoppm for images"]
    images: dict[str, list[bytes]] = {}
    notes: list[str] = []
    for facts in report.lessons:
        if facts.slides is None:
            continue
        try:
            images[facts.lesson.id] = render_slides(facts.lesson.slides, facts.slides.count, cache)
        except RenderError as exc:
            if mode == "images":
                raise UsageError(f"cannot render slides of {facts.lesson.id}: {exc}") from exc
            notes.append(f"{facts.lesson.id}: slides laid out as HTML ({exc})")
    return images, notes


def _write_all(
    bundles: Sequence[Bundle],
    tmp: Path,
    out: Path,
    reusable: Mapping[str, Mapping[str, Any]],
    cache: BuildCache,
    jobs: int | None,
    progress: Progress | None,
) -> tuple[list[Artifact], int]:
    keys = [bundle_key(bundle, cache) for bundle in bundles]
    for bundle in bundles:
        (tmp / bundle.name).parent.mkdir(parents=True, exist_ok=True)

    def one(index: int) -> tuple[Artifact, bool]:
        bundle, key = bundles[index], keys[index]
        dest = tmp / bundle.name
        earlier = reusable.get(key)
        if earlier is not None and earlier.get("path") == bundle.name:
            source = out / bundle.name
            if source.is_file() and source.stat().st_size == earlier.get("bytes"):
                link_or_copy(source, dest)
                return _artifact(bundle, key, str(earlier["sha256"]), int(earlier["bytes"])), False
        write_zip(bundle.entries, dest)
        return _artifact(bundle, key, sha256_file(dest), dest.stat().st_size), True

    workers = max(1, jobs if jobs is not None else min(4, os.cpu_count() or 1))
    results: list[tuple[Artifact, bool]] = []
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for done, result in enumerate(pool.map(one, range(len(bundles))), start=1):
            results.append(result)
            if progress:
                progress(Path(result[0].path).name, done, len(bundles))
    return [a for a, _ in results], sum(1 for _, wrote in results if wrote)


def _artifact(bundle: Bundle, key: str, digest: str, size: int) -> Artifact:
    return Artifact(bundle.name, bundle.format, bundle.scope, bundle.lesson, digest, size, key)


def bundle_key(bundle: Bundle, cache: BuildCache) -> str:
    """Hash of a bundle's name and contents: equal keys give byte-identical zips."""
    h = hashlib.sha256(f"{WRITER_VERSION}\0{bundle.name}\0".encode())
    for name, content in bundle.entries.items():
        digest = sha256_bytes(content) if isinstance(content, bytes) else cache.file_hash(content)
        h.update(f"{name}\0{digest}\0".encode())
    return h.hexdigest()


def _inputs_fingerprint(
    course: Course | None,
    course_file: Path,
    formats: Sequence[str],
    slides: SlidesMode,
    cache: BuildCache,
) -> str | None:
    """Hash of every input of a build, or ``None`` when the course does not even load."""
    if course is None:
        return None
    files: dict[str, str] = {"course.yaml": cache.file_hash(course_file)}
    try:
        for lesson in course.lessons:
            for path in (lesson.video, lesson.slides, *lesson.captions.values()):
                files[path.relative_to(course.root).as_posix()] = cache.file_hash(path)
        scorm = data_dir("scorm")
        for path in sorted(scorm.rglob("*")):
            if path.is_file():
                files["<player>/" + path.relative_to(scorm).as_posix()] = cache.file_hash(path)
    except OSError:
        return None
    payload = {
        "version": __version__,
        "writer": WRITER_VERSION,
        "formats": list(formats),
        "slides": slides if slides == "html" or renderer() is None else f"{slides}+render",
        "files": files,
    }
    return sha256_bytes(json.dumps(payload, sort_keys=True).encode())


def _intact(out: Path, previous: Mapping[str, Any]) -> tuple[Artifact, ...] | None:
    """The previous artifacts if every one is still there with its recorded size."""
    artifacts = []
    try:
        for raw in previous.get("artifacts", []):
            path = out / raw["path"]
            if not path.is_file() or path.stat().st_size != raw["bytes"]:
                return None
            artifacts.append(Artifact(**raw))
    except (KeyError, TypeError):
        return None
    return tuple(artifacts) or None


def _warnings_from(previous: Mapping[str, Any], course_file: Path) -> tuple[Problem, ...]:
    """Replay the warnings recorded by the previous build, so an up-to-date build shows them."""
    out = []
    for raw in previous.get("warnings", []):
        try:
            file = raw.get("file")
            out.append(
                Problem(
                    code=raw["code"],
                    message=raw["message"],
                    severity=WARNING,
                    file=(course_file.parent / file).resolve() if file else None,
                    line=raw.get("line"),
                    path=raw.get("path"),
                    lesson=raw.get("lesson"),
                    hint=raw.get("hint"),
                )
            )
        except (KeyError, TypeError, AttributeError):
            continue
    return tuple(out)
