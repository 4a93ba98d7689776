"""Assemble the offline lesson player: shared player files plus each lesson's page, data and media.

Layout inside every package (the contract with ``scorm/``)::

    player/…                      scorm/player/* (except the lesson.html template)
    player/runtime/common.js      scorm/runtime/common.js
    player/runtime/<runtime>.js   the adapter of the package's standard
    lessons/<id>/index.html       scorm/player/lesson.html filled in
    lessons/<id>/lesson.js        window.MOOC_LESSON = {...}
    lessons/<id>/media/<video>    lessons/<id>/captions/<lang>.vtt    lessons/<id>/slides/…
"""

from __future__ import annotations

import html
import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from functools import cache
from pathlib import Path
from string import Template
from typing import Any

from mooc_builder.check import LessonFacts
from mooc_builder.course.model import Course, pick
from mooc_builder.media.captions import webvtt_bytes
from mooc_builder.media.slides import Slide, TextBlock
from mooc_builder.resources import data_dir

Content = bytes | Path

PLAYER_DIR = "player/"
LESSON_TEMPLATE = "lesson.html"

VIDEO_TYPES = {
    "mp4": "video/mp4",
    "m4v": "video/mp4",
    "mov": "video/mp4",
    "webm": "video/webm",
    "matroska": "video/webm",
}

IMAGE_SUFFIXES = {
    "image/png": "png",
    "image/jpeg": "jpg",
    "image/gif": "gif",
    "image/svg+xml": "svg",
    "image/webp": "webp",
    "image/bmp": "bmp",
}
"""Picture types browsers show; others (EMF/WMF) are left out of the HTML slide layout."""

LANGUAGE_NAMES = {
    "vi": "Tiếng Việt",
    "en": "English",
    "fr": "Français",
    "de": "Deutsch",
    "es": "Español",
    "ru": "Русский",
    "zh": "中文",
    "ja": "日本語",
    "ko": "한국어",
    "km": "ភាសាខ្មែរ",
    "lo": "ພາສາລາວ",
    "th": "ไทย",
}


def language_label(tag: str) -> str:
    """The name of a language in that language, for caption menus (``vi`` -> ``Tiếng Việt``)."""
    return LANGUAGE_NAMES.get(tag) or LANGUAGE_NAMES.get(tag.split("-")[0], tag)


@dataclass(frozen=True)
class LessonAssets:
    """A lesson's files in the package, shared by every format; only the runtime differs."""

    course: Course
    facts: LessonFacts
    files: Mapping[str, Content]
    data: Mapping[str, Any] = field(repr=False)
    _by_runtime: dict[str, dict[str, Content]] = field(
        default_factory=dict, repr=False, compare=False
    )

    @property
    def lesson(self) -> Any:
        """The :class:`~mooc_builder.course.model.Lesson`."""
        return self.facts.lesson

    @property
    def folder(self) -> str:
        """``lessons/<id>/``."""
        return lesson_folder(self.lesson.id)

    @property
    def launch(self) -> str:
        """The SCO's launch page, relative to the package root."""
        return self.folder + "index.html"

    def entries(self, runtime: str) -> dict[str, Content]:
        """The lesson's archive entries for a package using ``runtime`` (made once per runtime)."""
        if runtime not in self._by_runtime:
            out: dict[str, Content] = dict(self.files)
            data = {"schema": 1, "runtime": runtime, **self.data}
            text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
            out[self.folder + "lesson.js"] = f"window.MOOC_LESSON = {text};\n".encode()
            out[self.launch] = _launch_page(self.course, self.lesson, runtime)
            self._by_runtime[runtime] = out
        return dict(self._by_runtime[runtime])


def lesson_folder(lesson_id: str) -> str:
    """Folder of a lesson inside a package."""
    return f"lessons/{lesson_id}/"


def lesson_assets(
    course: Course,
    facts: LessonFacts,
    slide_images: Sequence[bytes] | None = None,
) -> LessonAssets:
    """Gather one lesson's media, captions and slides, and the data its player page reads.

    ``slide_images`` holds one rendered image (PNG) per slide; without them the slides are laid
    out as HTML from their text and pictures.
    """
    lesson = facts.lesson
    folder = lesson_folder(lesson.id)
    video = facts.video
    if video is None or facts.slides is None:
        raise ValueError(f"lesson {lesson.id} was not probed successfully")
    files: dict[str, Content] = {}
    video_name = f"media/{lesson.video.name}"
    files[folder + video_name] = lesson.video

    captions = []
    ordered = sorted(facts.captions.items(), key=lambda kv: (kv[0] != course.language, kv[0]))
    for lang, caption in ordered:
        src = f"captions/{lang}.vtt"
        files[folder + src] = webvtt_bytes(caption.parsed)
        captions.append(
            {
                "lang": lang,
                "label": language_label(lang),
                "src": src,
                "default": lang == course.language,
                "cues": [
                    [round(c.start, 3), round(c.end, 3), "\n".join(c.text_lines)]
                    for c in caption.parsed.cues
                ],
            }
        )

    deck = facts.slides
    images = slide_images if slide_images and len(slide_images) == deck.count else None
    items = []
    for slide in deck.slides:
        item: dict[str, Any] = {
            "number": slide.number,
            "title": slide.title or "",
            "paragraphs": _paragraphs(slide),
            "notes": slide.notes,
        }
        if images is not None:
            item["image"] = f"slides/{slide.number}.png"
            files[folder + item["image"]] = images[slide.number - 1]
        else:
            pictures = []
            for k, picture in enumerate(slide.pictures, start=1):
                suffix = IMAGE_SUFFIXES.get(picture.content_type)
                if suffix is None or not picture.blob:
                    continue
                src = f"slides/{slide.number}-{k}.{suffix}"
                files[folder + src] = picture.blob
                pictures.append(
                    {
                        "src": src,
                        "alt": picture.alt or "",
                        "decorative": picture.decorative,
                        **asdict(picture.box),
                    }
                )
            item["pictures"] = pictures
            item["blocks"] = [
                {"box": asdict(block.box) if block.box else None, "paragraphs": _paragraphs(block)}
                for block in slide.blocks
            ]
            if slide.title_box is not None:
                item["title_box"] = asdict(slide.title_box)
        items.append(item)

    data: dict[str, Any] = {
        "course": {
            "id": course.id,
            "title": dict(course.title),
            "activity_id": course.activity_id,
        },
        "lesson": {
            "id": lesson.id,
            "title": dict(lesson.title),
            "description": dict(lesson.description),
            "activity_id": lesson.activity_id,
            "number": lesson.index + 1,
            "count": len(course.lessons),
        },
        "language": course.language,
        "video": {
            "src": video_name,
            "type": VIDEO_TYPES.get(video.container, "video/mp4"),
            "duration": round(video.duration_s, 3),
            "width": video.width,
            "height": video.height,
        },
        "captions": captions,
        "slides": {
            "mode": "images" if images is not None else "html",
            "aspect": round(deck.aspect, 4),
            "times": list(lesson.slide_times) if lesson.slide_times is not None else None,
            "items": items,
        },
        "completion": {
            "min_played": course.policy.completion.min_played,
            "all_slides": course.policy.completion.all_slides,
        },
    }
    return LessonAssets(course, facts, files, data)


def _paragraphs(text: Slide | TextBlock) -> list[dict[str, Any]]:
    return [{"text": p.text, "level": p.level} for p in text.paragraphs]


def _launch_page(course: Course, lesson: Any, runtime: str) -> bytes:
    template = Template(_template_text())
    page = template.substitute(
        lang=html.escape(course.language),
        title=html.escape(pick(lesson.title, course.language, lesson.id)),
        player="../../" + PLAYER_DIR,
        runtime=html.escape(runtime),
    )
    return page.encode("utf-8")


@cache
def _template_text() -> str:
    return (data_dir("scorm") / "player" / LESSON_TEMPLATE).read_text(encoding="utf-8")


@cache
def player_entries(runtime: str) -> Mapping[str, Content]:
    """The shared player files for a package whose lessons use ``runtime``."""
    scorm = data_dir("scorm")
    out: dict[str, Content] = {}
    player = scorm / "player"
    for path in sorted(player.rglob("*")):
        if path.is_file() and path.name != LESSON_TEMPLATE and not path.name.startswith("."):
            out[PLAYER_DIR + path.relative_to(player).as_posix()] = path
    runtime_dir = scorm / "runtime"
    for name in ("common", runtime):
        source = runtime_dir / f"{name}.js"
        if not source.is_file():
            raise FileNotFoundError(f"the player has no runtime adapter '{name}' ({source})")
        out[f"{PLAYER_DIR}runtime/{name}.js"] = source
    return out
