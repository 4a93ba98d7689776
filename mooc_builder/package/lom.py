"""Learning Object Metadata records: IEEE LOM (SCORM 2004) and IMS MD 1.2.1 (SCORM 1.2).

Both are written as separate files referenced from the manifest with ``adlcp:location``:
the IMS MD 1.2.1 schema cannot be loaded by libxml2, so an inline record would make the
SCORM 1.2 manifest impossible to validate.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from lxml import etree

from mooc_builder.package.ns import IMSMD12, LOM, XML, XSI, element, qn, serialize, sub


@dataclass(frozen=True)
class LomRecord:
    """What we say about a course or a lesson."""

    identifier: str
    """The activity IRI."""
    title: Mapping[str, str]
    description: Mapping[str, str]
    language: str
    languages: Sequence[str]
    """Every language of the content (captions included)."""
    learning_time_s: float
    formats: Sequence[str]
    size: int
    aggregation_level: int = 2
    """LOM aggregation level: 2 for a lesson, 3 for a course."""
    version: str | None = None
    keywords: Sequence[str] = ()


def iso_duration(seconds: float) -> str:
    """``201.4`` -> ``PT3M21S`` (whole seconds: a typical learning time is not exact)."""
    total = max(0, round(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    out = "PT"
    if hours:
        out += f"{hours}H"
    if minutes:
        out += f"{minutes}M"
    if secs or out == "PT":
        out += f"{secs}S"
    return out


def ieee_lom(record: LomRecord) -> bytes:
    """An IEEE 1484.12.3 LOM record (validates against SCORM 2004's ``lom.xsd``)."""
    root = element(qn(LOM, "lom"), {None: LOM, "xsi": XSI})
    root.set(qn(XSI, "schemaLocation"), f"{LOM} lom.xsd")

    def el(parent: etree._Element, name: str, text: str | None = None) -> etree._Element:
        return sub(parent, qn(LOM, name), text)

    def langstrings(parent: etree._Element, name: str, text: Mapping[str, str]) -> None:
        holder = el(parent, name)
        for lang, value in text.items():
            el(holder, "string", value).set("language", lang)

    def vocabulary(parent: etree._Element, name: str, value: str) -> None:
        holder = el(parent, name)
        el(holder, "source", "LOMv1.0")
        el(holder, "value", value)

    general = el(root, "general")
    ident = el(general, "identifier")
    el(ident, "catalog", "URI")
    el(ident, "entry", record.identifier)
    langstrings(general, "title", record.title)
    for lang in record.languages:
        el(general, "language", lang)
    if record.description:
        langstrings(general, "description", record.description)
    for keyword in record.keywords:
        langstrings(general, "keyword", {record.language: keyword})
    vocabulary(general, "structure", "hierarchical")
    vocabulary(general, "aggregationLevel", str(record.aggregation_level))

    if record.version:
        life = el(root, "lifeCycle")
        langstrings(life, "version", {"x-none": record.version})
        vocabulary(life, "status", "final")

    meta = el(root, "metaMetadata")
    el(meta, "metadataSchema", "LOMv1.0")
    el(meta, "metadataSchema", "ADLv1.0")
    el(meta, "language", record.language)

    technical = el(root, "technical")
    for fmt in record.formats:
        el(technical, "format", fmt)
    el(technical, "size", str(record.size))

    educational = el(root, "educational")
    vocabulary(educational, "interactivityType", "expositive")
    vocabulary(educational, "learningResourceType", "lecture")
    vocabulary(educational, "intendedEndUserRole", "learner")
    vocabulary(educational, "context", "training")
    learning = el(educational, "typicalLearningTime")
    el(learning, "duration", iso_duration(record.learning_time_s))
    for lang in record.languages:
        el(educational, "language", lang)
    return serialize(root)


def imsmd12(record: LomRecord) -> bytes:
    """An IMS Learning Resource Meta-data 1.2.1 record, for SCORM 1.2 packages."""
    root = element(qn(IMSMD12, "lom"), {None: IMSMD12, "xsi": XSI})
    root.set(qn(XSI, "schemaLocation"), f"{IMSMD12} imsmd_rootv1p2p1.xsd")

    def el(parent: etree._Element, name: str, text: str | None = None) -> etree._Element:
        return sub(parent, qn(IMSMD12, name), text)

    def langstrings(parent: etree._Element, name: str, text: Mapping[str, str]) -> None:
        holder = el(parent, name)
        for lang, value in text.items():
            el(holder, "langstring", value).set(qn(XML, "lang"), lang)

    def vocabulary(parent: etree._Element, name: str, value: str) -> None:
        holder = el(parent, name)
        langstrings(holder, "source", {"x-none": "LOMv1.0"})
        langstrings(holder, "value", {"x-none": value})

    general = el(root, "general")
    el(general, "identifier", record.identifier)
    langstrings(general, "title", record.title)
    for lang in record.languages:
        el(general, "language", lang)
    if record.description:
        langstrings(general, "description", record.description)
    for keyword in record.keywords:
        langstrings(general, "keyword", {record.language: keyword})
    vocabulary(general, "structure", "Hierarchical")
    vocabulary(general, "aggregationlevel", str(record.aggregation_level))

    if record.version:
        life = el(root, "lifecycle")
        langstrings(life, "version", {"x-none": record.version})
        vocabulary(life, "status", "Final")

    meta = el(root, "metametadata")
    el(meta, "metadatascheme", "ADL SCORM 1.2")
    el(meta, "language", record.language)

    technical = el(root, "technical")
    for fmt in record.formats:
        el(technical, "format", fmt)
    el(technical, "size", str(record.size))

    educational = el(root, "educational")
    vocabulary(educational, "interactivitytype", "Expositive")
    vocabulary(educational, "learningresourcetype", "Lecture")
    learning = el(educational, "typicallearningtime")
    el(learning, "datetime", iso_duration(record.learning_time_s))
    for lang in record.languages:
        el(educational, "language", lang)

    rights = el(root, "rights")
    vocabulary(rights, "cost", "no")
    vocabulary(rights, "copyrightandotherrestrictions", "yes")
    return serialize(root)
