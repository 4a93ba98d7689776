"""SCORM 2004 4th edition packages: one SCO per lesson, flow and choice sequencing."""

from __future__ import annotations

from typing import ClassVar

from lxml import etree

from mooc_builder.package.base import register
from mooc_builder.package.lom import LomRecord, ieee_lom
from mooc_builder.package.ns import ADLCP, ADLNAV, ADLSEQ, IMSCP, IMSSS, qn, sub
from mooc_builder.package.scorm_common import ScormPackager


@register
class Scorm2004Packager(ScormPackager):
    """SCORM 2004 4th edition: completion set by the content, success left unknown."""

    name = "scorm2004"
    label = "SCORM 2004 4th edition"
    runtime = "scorm2004"
    cp_namespace = IMSCP
    adlcp_namespace = ADLCP
    schema_version = "2004 4th Edition"
    scorm_type_attribute = "scormType"
    namespaces: ClassVar[dict[str, str]] = {
        "adlcp": ADLCP,
        "adlseq": ADLSEQ,
        "adlnav": ADLNAV,
        "imsss": IMSSS,
    }
    schema_locations = (
        (IMSCP, "imscp_v1p1.xsd"),
        (ADLCP, "adlcp_v1p3.xsd"),
        (ADLSEQ, "adlseq_v1p3.xsd"),
        (ADLNAV, "adlnav_v1p3.xsd"),
        (IMSSS, "imsss_v1p0.xsd"),
    )

    def metadata_record(self, record: LomRecord) -> bytes:
        """IEEE LOM."""
        return ieee_lom(record)

    def organization_attributes(self, organization: etree._Element) -> None:
        """Keep this course's objectives to itself (no global objectives across courses)."""
        organization.set(qn(ADLSEQ, "objectivesGlobalToSystem"), "false")

    def organization_sequencing(self, organization: etree._Element) -> None:
        """Learners may move freely (choice) and in order (flow)."""
        sequencing = sub(organization, qn(IMSSS, "sequencing"))
        sub(sequencing, qn(IMSSS, "controlMode"), choice="true", flow="true")

    def item_sequencing(self, item: etree._Element) -> None:
        """The lesson sets its completion itself.

        Without ``completionSetByContent`` a SCORM 2004 LMS marks the attempt completed as soon
        as the learner leaves, whatever they watched.
        """
        sequencing = sub(item, qn(IMSSS, "sequencing"))
        sub(
            sequencing,
            qn(IMSSS, "deliveryControls"),
            tracked="true",
            completionSetByContent="true",
            objectiveSetByContent="true",
        )
