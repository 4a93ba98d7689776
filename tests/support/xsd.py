"""Validate manifests against the official XSDs in ../shared/conformance/xsd (offline)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from lxml import etree

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
XSD = SHARED / "conformance" / "xsd"
XML_XSD_URL = "http://www.w3.org/2001/xml.xsd"


class _LocalXmlXsd(etree.Resolver):
    """ADL's imscp_v1p1.xsd imports the XML namespace schema by its W3C URL: serve the copy."""

    def resolve(self, system_url: str, public_id: str, context: object) -> object:
        if system_url == XML_XSD_URL:
            return self.resolve_filename(str(XSD / "scorm2004-4th" / "xml.xsd"), context)
        return None


def _parser() -> etree.XMLParser:
    parser = etree.XMLParser(no_network=True, resolve_entities=False, load_dtd=False)
    parser.resolvers.add(_LocalXmlXsd())
    return parser


def _wrapper(imports: list[tuple[str, Path]]) -> etree.XMLSchema:
    if not XSD.is_dir():
        raise AssertionError(f"the official XSDs are missing: {XSD} (../shared beside the repo)")
    lines = ['<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">']
    lines += [
        f'  <xs:import namespace="{ns}" schemaLocation="{path.as_uri()}"/>' for ns, path in imports
    ]
    lines.append("</xs:schema>")
    doc = etree.fromstring("\n".join(lines).encode(), _parser(), base_url=str(XSD) + "/")
    return etree.XMLSchema(doc)


@cache
def scorm12_schema() -> etree.XMLSchema:
    """IMS CP 1.1.2 + ADL CP 1.2 (IMS MD 1.2.1 cannot be loaded by libxml2)."""
    d = XSD / "scorm12"
    return _wrapper(
        [
            ("http://www.imsproject.org/xsd/imscp_rootv1p1p2", d / "imscp_rootv1p1p2.xsd"),
            ("http://www.adlnet.org/xsd/adlcp_rootv1p2", d / "adlcp_rootv1p2.xsd"),
        ]
    )


@cache
def scorm2004_schema() -> etree.XMLSchema:
    """The five SCORM 2004 4th edition namespaces."""
    d = XSD / "scorm2004-4th"
    return _wrapper(
        [
            ("http://www.imsglobal.org/xsd/imscp_v1p1", d / "imscp_v1p1.xsd"),
            ("http://www.adlnet.org/xsd/adlcp_v1p3", d / "adlcp_v1p3.xsd"),
            ("http://www.adlnet.org/xsd/adlseq_v1p3", d / "adlseq_v1p3.xsd"),
            ("http://www.adlnet.org/xsd/adlnav_v1p3", d / "adlnav_v1p3.xsd"),
            ("http://www.imsglobal.org/xsd/imsss", d / "imsss_v1p0.xsd"),
        ]
    )


@cache
def lom_schema() -> etree.XMLSchema:
    """IEEE LOM as SCORM 2004 ships it (lomStrict: LOMv1.0 vocabularies only)."""
    doc = etree.parse(str(XSD / "scorm2004-4th" / "lomStrict.xsd"), _parser())
    return etree.XMLSchema(doc)


@cache
def cmi5_schema() -> etree.XMLSchema:
    """cmi5 CourseStructure.xsd."""
    return etree.XMLSchema(etree.parse(str(XSD / "cmi5" / "CourseStructure.xsd"), _parser()))


def validate(schema: etree.XMLSchema, xml: bytes, what: str) -> None:
    """Assert that ``xml`` is valid, listing every schema error if it is not."""
    doc = etree.fromstring(xml, etree.XMLParser(no_network=True, resolve_entities=False))
    if not schema.validate(doc):
        errors = "\n".join(f"  line {e.line}: {e.message}" for e in schema.error_log)
        raise AssertionError(f"{what} is not valid:\n{errors}")
