"""Open SCORM packages for the browser tests: safe extraction, SCO launch pages, lesson data."""

from __future__ import annotations

import json
import stat
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any
from xml.etree import ElementTree

LESSON_JS_PREFIX = "window.MOOC_LESSON = "


class UnsafeZipError(ValueError):
    """A zip member would land outside the extraction folder (or is a link)."""


@dataclass(frozen=True)
class Artifact:
    """The shape of ``mooc_builder.build(...).artifacts[i]`` that the tests rely on."""

    path: Path
    format: str
    scope: str
    lesson: str | None = None


@dataclass(frozen=True)
class ServedPackage:
    """An extracted package under the test server's ``/pkg/<name>/``."""

    artifact: Artifact
    root: Path
    url_path: str
    scos: tuple[str, ...] = field(default=())

    @property
    def format(self) -> str:
        return self.artifact.format

    def sco_url(self, base_url: str, href: str) -> str:
        return f"{base_url}{self.url_path}{href}"

    def lesson_data(self, href: str) -> dict[str, Any]:
        """``window.MOOC_LESSON`` of the SCO whose launch page is ``href``."""
        return read_lesson_js(self.root / PurePosixPath(href).parent / "lesson.js")


def _member_parts(name: str) -> tuple[str, ...]:
    if (
        not name
        or name.startswith(("/", "\\"))
        or "\\" in name
        or (len(name) > 1 and name[1] == ":")
    ):
        raise UnsafeZipError(f"zip member {name!r} has an absolute or non-POSIX path")
    parts = PurePosixPath(name).parts
    if any(part in ("..", "") for part in parts):
        raise UnsafeZipError(f"zip member {name!r} climbs out of the package")
    return parts


def safe_extract(zip_path: Path, dest: Path) -> Path:
    """Extract ``zip_path`` into a new ``dest``; refuse absolute paths, ``..`` and links."""
    if dest.exists() and any(dest.iterdir()):
        raise FileExistsError(f"{dest} is not empty: two packages would be mixed")
    dest.mkdir(parents=True, exist_ok=True)
    root = dest.resolve()
    with zipfile.ZipFile(zip_path) as archive:
        members = archive.infolist()
        for info in members:  # check everything before writing anything
            parts = _member_parts(info.filename)
            if stat.S_ISLNK(info.external_attr >> 16):
                raise UnsafeZipError(f"zip member {info.filename!r} is a symbolic link")
            if not root.joinpath(*parts).resolve().is_relative_to(root):
                raise UnsafeZipError(f"zip member {info.filename!r} escapes {dest}")
        for info in members:
            target = root.joinpath(*_member_parts(info.filename))
            if info.is_dir():
                target.mkdir(parents=True, exist_ok=True)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            with archive.open(info) as source, target.open("wb") as out:
                while chunk := source.read(1 << 16):
                    out.write(chunk)
    return dest


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def sco_launch_paths(package_root: Path) -> tuple[str, ...]:
    """The ``href`` of every SCO resource in ``imsmanifest.xml`` (SCORM 1.2 and 2004), in order."""
    tree = ElementTree.parse(package_root / "imsmanifest.xml")
    xml_base = "{http://www.w3.org/XML/1998/namespace}base"
    hrefs: list[str] = []
    for resources in tree.iter():
        if _local(resources.tag) != "resources":
            continue
        outer = resources.get(xml_base, "")
        for resource in resources:
            if _local(resource.tag) != "resource":
                continue
            kind = next(
                (v for k, v in resource.attrib.items() if _local(k).lower() == "scormtype"), ""
            )
            if kind == "sco" and resource.get("href"):
                hrefs.append(outer + resource.get(xml_base, "") + resource.get("href", ""))
    return tuple(hrefs)


def read_lesson_js(path: Path) -> dict[str, Any]:
    """Parse a generated ``lesson.js`` (``window.MOOC_LESSON = {json};``)."""
    text = path.read_text(encoding="utf-8").strip()
    start = text.index(LESSON_JS_PREFIX) + len(LESSON_JS_PREFIX)
    body = text[start:].rstrip().removesuffix(";")
    data: dict[str, Any] = json.loads(body)
    return data
