"""SCORM 1.2 packages: IMS CP 1.1.2 manifest with ADL CP 1.2 extensions, one SCO per lesson.

No ``adlcp:masteryscore`` is written: without an assessment the LMS must keep the status the
lesson reports (completed), not rewrite it to passed/failed.
"""

from __future__ import annotations

from typing import ClassVar

from mooc_builder.package.base import register
from mooc_builder.package.lom import LomRecord, imsmd12
from mooc_builder.package.ns import ADLCP12, IMSCP12, IMSMD12
from mooc_builder.package.scorm_common import ScormPackager


@register
class Scorm12Packager(ScormPackager):
    """SCORM 1.2: ``cmi.core.lesson_status`` incomplete, then completed."""

    name = "scorm12"
    label = "SCORM 1.2"
    runtime = "scorm12"
    cp_namespace = IMSCP12
    adlcp_namespace = ADLCP12
    schema_version = "1.2"
    scorm_type_attribute = "scormtype"
    namespaces: ClassVar[dict[str, str]] = {"adlcp": ADLCP12}
    schema_locations = (
        (IMSCP12, "imscp_rootv1p1p2.xsd"),
        (IMSMD12, "imsmd_rootv1p2p1.xsd"),
        (ADLCP12, "adlcp_rootv1p2.xsd"),
    )

    def metadata_record(self, record: LomRecord) -> bytes:
        """IMS MD 1.2.1."""
        return imsmd12(record)
