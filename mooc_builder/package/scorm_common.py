"""The SCORM manifest, shared by SCORM 1.2 and 2004: ids, metadata, organization, resources.

The two versions differ in namespaces, a few names and sequencing; :class:`ScormPackager`
writes the common structure and asks its subclasses for those differences.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from lxml import etree

from mooc_builder.course.model import Course, pick
from mooc_builder.package.base import Content, Packager, identifier
from mooc_builder.package.lom import LomRecord
from mooc_builder.package.ns import XSI, element, qn, serialize, sub
from mooc_builder.package.player import PLAYER_DIR, VIDEO_TYPES, LessonAssets

METADATA_DIR = "metadata/"


@dataclass(frozen=True)
class PackageIds:
    """Stable XML identifiers of one package."""

    manifest: str
    organization: str

    @staticmethod
    def of(course: Course, lesson_id: str | None) -> PackageIds:
        """Ids derived from the course id (and the lesson id for a lesson package)."""
        parts = (course.id,) if lesson_id is None else (course.id, lesson_id)
        return PackageIds(identifier("MANIFEST", *parts), identifier("ORG", *parts))


def item_id(lesson_id: str) -> str:
    """The organization item of a lesson."""
    return identifier("ITEM", lesson_id)


def resource_id(lesson_id: str) -> str:
    """The SCO resource of a lesson."""
    return identifier("RES", lesson_id)


PLAYER_RESOURCE = "RES-player"
METADATA_RESOURCE = "RES-metadata"


def metadata_file(name: str) -> str:
    """Where a metadata record goes in the package."""
    return f"{METADATA_DIR}{name}.xml"


def content_size(entries: Mapping[str, Content], names: Sequence[str]) -> int:
    """Bytes of the named entries."""
    total = 0
    for name in names:
        content = entries[name]
        total += content.stat().st_size if isinstance(content, Path) else len(content)
    return total


def lesson_record(
    course: Course, assets: LessonAssets, entries: Mapping[str, Content]
) -> LomRecord:
    """The LOM record of one lesson."""
    lesson = assets.lesson
    facts = assets.facts
    video = facts.video
    names = [n for n in entries if n.startswith(assets.folder)]
    return LomRecord(
        identifier=lesson.activity_id,
        title=lesson.title or {course.language: lesson.id},
        description=lesson.description,
        language=course.language,
        languages=_languages(course, [assets]),
        learning_time_s=video.duration_s if video else 0.0,
        formats=_formats([assets]),
        size=content_size(entries, names),
        aggregation_level=2,
        version=course.version,
    )


def course_record(
    course: Course, lessons: Sequence[LessonAssets], entries: Mapping[str, Content]
) -> LomRecord:
    """The LOM record of the whole course."""
    return LomRecord(
        identifier=course.activity_id,
        title=course.title or {course.language: course.id},
        description=course.description,
        language=course.language,
        languages=_languages(course, lessons),
        learning_time_s=sum(a.facts.video.duration_s for a in lessons if a.facts.video),
        formats=_formats(lessons),
        size=content_size(entries, [n for n in entries if not n.startswith(METADATA_DIR)]),
        aggregation_level=3,
        version=course.version,
    )


def title(text: Mapping[str, str], course: Course, fallback: str) -> str:
    """A manifest title: one string, in the course language."""
    return pick(text, course.language, fallback)


def lesson_files(entries: Mapping[str, Content], assets: LessonAssets) -> list[str]:
    """Files of a lesson's SCO resource, launch page first."""
    names = sorted(n for n in entries if n.startswith(assets.folder) and n != assets.launch)
    return [assets.launch, *names]


def shared_files(entries: Mapping[str, Content], prefix: str) -> list[str]:
    """Files of a shared asset resource (``player/`` or ``metadata/``)."""
    return sorted(n for n in entries if n.startswith(prefix))


def _languages(course: Course, lessons: Sequence[LessonAssets]) -> list[str]:
    seen = dict.fromkeys([course.language])
    for assets in lessons:
        seen.update(dict.fromkeys(assets.facts.captions))
    return list(seen)


def _formats(lessons: Sequence[LessonAssets]) -> list[str]:
    formats = dict.fromkeys(["text/html"])
    for assets in lessons:
        if assets.facts.video:
            formats[VIDEO_TYPES.get(assets.facts.video.container, "video/mp4")] = None
        if assets.facts.captions:
            formats["text/vtt"] = None
        if any(name.endswith(".png") for name in assets.files):
            formats["image/png"] = None
    return list(formats)


class ScormPackager(Packager):
    """Writes ``imsmanifest.xml`` and the LOM records for one SCORM version."""

    cp_namespace: ClassVar[str]
    """The IMS Content Packaging namespace of the version."""
    adlcp_namespace: ClassVar[str]
    schema_version: ClassVar[str]
    scorm_type_attribute: ClassVar[str]
    """``scormtype`` in 1.2, ``scormType`` in 2004."""
    namespaces: ClassVar[dict[str, str]]
    """Prefix -> namespace declared on the manifest (besides the default CP namespace)."""
    schema_locations: ClassVar[tuple[tuple[str, str], ...]]

    @abstractmethod
    def metadata_record(self, record: LomRecord) -> bytes:
        """Serialise a LOM record in the metadata format of the version."""

    def organization_sequencing(self, organization: etree._Element) -> None:
        """Add sequencing to the organization (2004 only)."""

    def item_sequencing(self, item: etree._Element) -> None:
        """Add sequencing to a lesson item (2004 only)."""

    def control_files(
        self,
        course: Course,
        lessons: Sequence[LessonAssets],
        entries: Mapping[str, Content],
        lesson_id: str | None,
    ) -> dict[str, bytes]:
        """``imsmanifest.xml`` plus one metadata record per lesson and for the package."""
        files: dict[str, bytes] = {}
        for assets in lessons:
            record = lesson_record(course, assets, entries)
            files[metadata_file(assets.lesson.id)] = self.metadata_record(record)
        package_meta = metadata_file(lesson_id if lesson_id else course.id)
        if lesson_id is None:
            files[package_meta] = self.metadata_record(course_record(course, lessons, entries))
        files["imsmanifest.xml"] = self.manifest(
            course, lessons, {**entries, **files}, lesson_id, package_meta
        )
        return files

    def manifest(
        self,
        course: Course,
        lessons: Sequence[LessonAssets],
        entries: Mapping[str, Content],
        lesson_id: str | None,
        package_meta: str,
    ) -> bytes:
        """The manifest of a package holding ``lessons``; ``entries`` are all its files."""
        ids = PackageIds.of(course, lesson_id)
        nsmap: dict[str | None, str] = {None: self.cp_namespace}
        nsmap.update(self.namespaces)
        nsmap["xsi"] = XSI
        root = element(self._cp("manifest"), nsmap)
        root.set("identifier", ids.manifest)
        root.set("version", course.version or "1.0")
        root.set(
            qn(XSI, "schemaLocation"),
            " ".join(f"{ns} {xsd}" for ns, xsd in self.schema_locations),
        )
        meta = sub(root, self._cp("metadata"))
        sub(meta, self._cp("schema"), "ADL SCORM")
        sub(meta, self._cp("schemaversion"), self.schema_version)
        sub(meta, qn(self.adlcp_namespace, "location"), package_meta)

        organizations = sub(root, self._cp("organizations"), default=ids.organization)
        organization = sub(organizations, self._cp("organization"), identifier=ids.organization)
        self.organization_attributes(organization)
        sub(organization, self._cp("title"), title(course.title, course, course.id))
        for assets in lessons:
            lesson = assets.lesson
            item = sub(
                organization,
                self._cp("item"),
                identifier=item_id(lesson.id),
                identifierref=resource_id(lesson.id),
                isvisible="true",
            )
            sub(item, self._cp("title"), title(lesson.title, course, lesson.id))
            item_meta = sub(item, self._cp("metadata"))
            sub(item_meta, qn(self.adlcp_namespace, "location"), metadata_file(lesson.id))
            self.item_sequencing(item)
        self.organization_sequencing(organization)

        resources = sub(root, self._cp("resources"))
        for assets in lessons:
            resource = self._resource(resources, resource_id(assets.lesson.id), "sco")
            resource.set("href", assets.launch)
            for name in lesson_files(entries, assets):
                sub(resource, self._cp("file"), href=name)
            sub(resource, self._cp("dependency"), identifierref=PLAYER_RESOURCE)
        for ident, prefix in ((PLAYER_RESOURCE, PLAYER_DIR), (METADATA_RESOURCE, METADATA_DIR)):
            resource = self._resource(resources, ident, "asset")
            for name in shared_files(entries, prefix):
                sub(resource, self._cp("file"), href=name)
        return serialize(root)

    def organization_attributes(self, organization: etree._Element) -> None:
        """Version-specific attributes of the organization element."""

    def _cp(self, name: str) -> str:
        return qn(self.cp_namespace, name)

    def _resource(self, parent: etree._Element, ident: str, kind: str) -> etree._Element:
        resource = sub(parent, self._cp("resource"), identifier=ident, type="webcontent")
        resource.set(qn(self.adlcp_namespace, self.scorm_type_attribute), kind)
        return resource
