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


class _Dialect:
    """How one metadata binding spells the LOM elements.

    IMS MD 1.2.1 (SCORM 1.2) is the IEEE LOM structure with lower-case element names,
    ``langstring`` text, vocabulary values wrapped in langstrings, and capitalised values.
    """

    def __init__(self, namespace: str, schema: str, *, ims: bool) -> None:
        self.namespace = namespace
        self.schema = schema
        self.ims = ims

    def el(self, parent: etree._Element, name: str, text: str | None = None) -> etree._Element:
        """Append the element ``name`` (IEEE spelling) in this dialect."""
        return sub(parent, qn(self.namespace, name.lower() if self.ims else name), text)

    def text(self, parent: etree._Element, name: str, text: Mapping[str, str]) -> None:
        """A langstring element: one string per language."""
        holder = self.el(parent, name)
        for lang, value in text.items():
            if self.ims:
                self.el(holder, "langstring", value).set(qn(XML, "lang"), lang)
            else:
                self.el(holder, "string", value).set("language", lang)

    def vocabulary(self, parent: etree._Element, name: str, value: str) -> None:
        """A LOMv1.0 vocabulary value."""
        holder = self.el(parent, name)
        if self.ims:
            self.text(holder, "source", {"x-none": "LOMv1.0"})
            self.text(holder, "value", {"x-none": _IMS_VALUES.get(value, value)})
        else:
            self.el(holder, "source", "LOMv1.0")
            self.el(holder, "value", value)


_IMS_VALUES = {
    "hierarchical": "Hierarchical",
    "final": "Final",
    "expositive": "Expositive",
    "lecture": "Lecture",
    "learner": "Learner",
    "training": "Training",
}
IEEE = _Dialect(LOM, "lom.xsd", ims=False)
IMS_MD = _Dialect(IMSMD12, "imsmd_rootv1p2p1.xsd", ims=True)


def ieee_lom(record: LomRecord) -> bytes:
    """An IEEE 1484.12.3 LOM record (validates against SCORM 2004's ``lomStrict.xsd``)."""
    return _lom(IEEE, record)


def imsmd12(record: LomRecord) -> bytes:
    """An IMS Learning Resource Meta-data 1.2.1 record, for SCORM 1.2 packages."""
    return _lom(IMS_MD, record)


def _lom(d: _Dialect, record: LomRecord) -> bytes:
    root = element(qn(d.namespace, "lom"), {None: d.namespace, "xsi": XSI})
    root.set(qn(XSI, "schemaLocation"), f"{d.namespace} {d.schema}")

    general = d.el(root, "general")
    if d.ims:
        d.el(general, "identifier", record.identifier)
    else:
        ident = d.el(general, "identifier")
        d.el(ident, "catalog", "URI")
        d.el(ident, "entry", record.identifier)
    d.text(general, "title", record.title)
    for lang in record.languages:
        d.el(general, "language", lang)
    if record.description:
        d.text(general, "description", record.description)
    for keyword in record.keywords:
        d.text(general, "keyword", {record.language: keyword})
    d.vocabulary(general, "structure", "hierarchical")
    d.vocabulary(general, "aggregationLevel", str(record.aggregation_level))

    if record.version:
        life = d.el(root, "lifeCycle")
        d.text(life, "version", {"x-none": record.version})
        d.vocabulary(life, "status", "final")

    meta = d.el(root, "metaMetadata")
    if d.ims:
        d.el(meta, "metadatascheme", "ADL SCORM 1.2")
    else:
        d.el(meta, "metadataSchema", "LOMv1.0")
        d.el(meta, "metadataSchema", "ADLv1.0")
    d.el(meta, "language", record.language)

    technical = d.el(root, "technical")
    for fmt in record.formats:
        d.el(technical, "format", fmt)
    d.el(technical, "size", str(record.size))

    educational = d.el(root, "educational")
    d.vocabulary(educational, "interactivityType", "expositive")
    d.vocabulary(educational, "learningResourceType", "lecture")
    d.vocabulary(educational, "intendedEndUserRole", "learner")
    d.vocabulary(educational, "context", "training")
    learning = d.el(educational, "typicalLearningTime")
    d.el(learning, "datetime" if d.ims else "duration", iso_duration(record.learning_time_s))
    for lang in record.languages:
        d.el(educational, "language", lang)

    rights = d.el(root, "rights")
    d.vocabulary(rights, "cost", "no")
    d.vocabulary(rights, "copyrightAndOtherRestrictions", "yes")
    return serialize(root)
