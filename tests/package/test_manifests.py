"""Manifests and metadata: valid against the official XSDs, complete, stable, golden."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from mooc_builder.cache import BuildCache
from mooc_builder.package.ns import ADLCP, ADLCP12, IMSCP, IMSCP12, IMSMD12, IMSSS, LOM
from mooc_builder.pipeline import BuildResult, build
from tests.support.course import make_course
from tests.support.xsd import lom_schema, scorm12_schema, scorm2004_schema, validate

GOLDEN = Path(__file__).resolve().parents[1] / "golden"
UPDATE = os.environ.get("MOOC_UPDATE_GOLDEN") == "1"
CP = {"scorm12": IMSCP12, "scorm2004": IMSCP}
SAFE = etree.XMLParser(no_network=True, resolve_entities=False)


@pytest.fixture(scope="module")
def small_build(tmp_path_factory: pytest.TempPathFactory) -> BuildResult:
    base = tmp_path_factory.mktemp("manifests")
    course = make_course(base / "course", lessons=2)
    return build(course, base / "out", slides="html", cache=BuildCache(base / "cache"))


def _read(result: BuildResult, path: str, member: str) -> bytes:
    with zipfile.ZipFile(result.out_dir / path) as archive:
        return archive.read(member)


def _names(result: BuildResult, path: str) -> list[str]:
    with zipfile.ZipFile(result.out_dir / path) as archive:
        return archive.namelist()


def check_package(result: BuildResult, path: str, fmt: str) -> etree._Element:
    """Everything a package must satisfy; returns the parsed manifest."""
    names = _names(result, path)
    assert "imsmanifest.xml" in names, "the manifest must be at the zip root"
    xml = _read(result, path, "imsmanifest.xml")
    validate(scorm12_schema() if fmt == "scorm12" else scorm2004_schema(), xml, f"{path} manifest")
    root = etree.fromstring(xml, SAFE)
    ns = {"cp": CP[fmt]}
    listed = {f.get("href") for f in root.iterfind(".//cp:file", ns)}
    assert listed == set(names) - {"imsmanifest.xml"}, "every file, and only those, is listed"
    ids = [e.get("identifier") for e in root.iter() if e.get("identifier")]
    assert len(ids) == len(set(ids)), "identifiers are unique"
    resources = {r.get("identifier"): r for r in root.iterfind(".//cp:resource", ns)}
    for item in root.iterfind(".//cp:item", ns):
        resource = resources[item.get("identifierref")]
        href = resource.get("href")
        assert href in names, f"launch page {href} is in the zip"
        assert resource.findall("cp:dependency", ns), "SCOs depend on the shared player"
    scorm_type = (
        resource.get(f"{{{ADLCP12}}}scormtype")
        if fmt == "scorm12"
        else resource.get(f"{{{ADLCP}}}scormType")
    )
    assert scorm_type in {"sco", "asset"}
    for meta in (n for n in names if n.startswith("metadata/")):
        data = _read(result, path, meta)
        if fmt == "scorm2004":
            validate(lom_schema(), data, f"{path}:{meta}")
        else:  # IMS MD 1.2.1 cannot be loaded by libxml2: check form and namespace
            assert etree.fromstring(data, SAFE).tag == f"{{{IMSMD12}}}lom"
    return root


@pytest.mark.parametrize("fmt", ["scorm12", "scorm2004"])
def test_every_package_is_valid_and_complete(small_build: BuildResult, fmt: str) -> None:
    paths = [a.path for a in small_build.artifacts if a.format == fmt]
    assert len(paths) == 3
    for path in paths:
        check_package(small_build, path, fmt)


def test_example_course_manifests_validate(example_build: BuildResult) -> None:
    """Every manifest and metadata record the example course produces, in both versions."""
    assert len(example_build.artifacts) == 8  # 3 lessons + 1 course, 2 formats
    for artifact in example_build.artifacts:
        check_package(example_build, artifact.path, artifact.format)


def test_scorm2004_course_has_flow_choice_and_content_set_completion(
    small_build: BuildResult,
) -> None:
    root = etree.fromstring(_read(small_build, "scorm2004/test-course.zip", "imsmanifest.xml"))
    ns = {"cp": IMSCP, "ss": IMSSS}
    control = root.find("cp:organizations/cp:organization/ss:sequencing/ss:controlMode", ns)
    assert control is not None
    assert (control.get("flow"), control.get("choice")) == ("true", "true")
    items = root.findall(".//cp:item", ns)
    assert [i.get("identifier") for i in items] == ["ITEM-lesson-1", "ITEM-lesson-2"]
    for item in items:
        delivery = item.find("ss:sequencing/ss:deliveryControls", ns)
        assert delivery is not None
        assert delivery.get("completionSetByContent") == "true"


def test_scorm12_has_no_mastery_score(small_build: BuildResult) -> None:
    xml = _read(small_build, "scorm12/test-course.zip", "imsmanifest.xml")
    assert b"masteryscore" not in xml


def test_lom_carries_titles_languages_and_learning_time(small_build: BuildResult) -> None:
    data = _read(small_build, "scorm2004/test-course.zip", "metadata/lesson-1.xml")
    root = etree.fromstring(data, SAFE)
    ns = {"l": LOM}
    titles = {s.get("language"): s.text for s in root.iterfind("l:general/l:title/l:string", ns)}
    assert titles == {"vi": "Bài 1", "en": "Lesson 1"}
    assert [e.text for e in root.iterfind("l:general/l:language", ns)] == ["vi", "en"]
    duration = root.findtext("l:educational/l:typicalLearningTime/l:duration", namespaces=ns)
    assert duration == "PT3M20S"  # the 200 s video, probed
    data12 = _read(small_build, "scorm12/test-course.zip", "metadata/test-course.xml")
    assert b"<datetime>PT6M40S</datetime>" in data12  # two lessons


@pytest.mark.parametrize(
    ("artifact", "golden"),
    [
        ("scorm12/test-course.zip", "scorm12-course.xml"),
        ("scorm2004/test-course.zip", "scorm2004-course.xml"),
        ("scorm2004/test-course--lesson-2.zip", "scorm2004-lesson.xml"),
    ],
)
def test_golden_manifests(small_build: BuildResult, artifact: str, golden: str) -> None:
    """Manifests change only on purpose (MOOC_UPDATE_GOLDEN=1 rewrites the golden files)."""
    xml = _read(small_build, artifact, "imsmanifest.xml").decode("utf-8")
    file = GOLDEN / golden
    if UPDATE:
        file.write_text(xml, encoding="utf-8")
    assert xml == file.read_text(encoding="utf-8")
