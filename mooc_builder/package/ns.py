"""XML namespaces of the package formats, in one place (as python-pptx keeps them in oxml/ns.py)."""

from __future__ import annotations

from lxml import etree

XSI = "http://www.w3.org/2001/XMLSchema-instance"
XML = "http://www.w3.org/XML/1998/namespace"

# SCORM 1.2 (IMS CP 1.1.2, ADL CP 1.2, IMS MD 1.2.1)
IMSCP12 = "http://www.imsproject.org/xsd/imscp_rootv1p1p2"
ADLCP12 = "http://www.adlnet.org/xsd/adlcp_rootv1p2"
IMSMD12 = "http://www.imsglobal.org/xsd/imsmd_rootv1p2p1"

# SCORM 2004 4th edition
IMSCP = "http://www.imsglobal.org/xsd/imscp_v1p1"
ADLCP = "http://www.adlnet.org/xsd/adlcp_v1p3"
ADLSEQ = "http://www.adlnet.org/xsd/adlseq_v1p3"
ADLNAV = "http://www.adlnet.org/xsd/adlnav_v1p3"
IMSSS = "http://www.imsglobal.org/xsd/imsss"
LOM = "http://ltsc.ieee.org/xsd/LOM"


def qn(namespace: str, name: str) -> str:
    """Clark notation ``{namespace}name`` for lxml."""
    return f"{{{namespace}}}{name}"


XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'


def element(tag: str, nsmap: dict[str | None, str]) -> etree._Element:
    """A root element declaring ``nsmap`` (``None`` is the default namespace)."""
    return etree.Element(tag, nsmap=nsmap)  # type: ignore[arg-type]  # lxml-stubs lack None keys


def serialize(root: etree._Element) -> bytes:
    """Pretty UTF-8 with the double-quoted declaration (some LMS parsers expect exactly it)."""
    etree.indent(root, space="  ")
    return XML_DECLARATION + etree.tostring(root, encoding="UTF-8", pretty_print=True)


def sub(parent: etree._Element, tag: str, text: str | None = None, **attrib: str) -> etree._Element:
    """Append a child element with optional text and attributes."""
    element = etree.SubElement(parent, tag, attrib)
    if text is not None:
        element.text = text
    return element
