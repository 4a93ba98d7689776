"""probe_video against ffprobe on every kind of file ffmpeg writes, and on broken files.

The videos are generated once per session (in parallel) into a temporary folder; ffprobe, the
reference, is the Debian one (CI installs it) and its absence fails the suite instead of skipping.
"""

from __future__ import annotations

import random
import shutil
import struct
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from mooc_builder.errors import MoocError
from mooc_builder.media.ffmpeg import ffmpeg_exe, run_ffmpeg
from mooc_builder.media.probe import PROBE_CODES, ProbeError, VideoInfo, probe_video
from tests.support.media import ffprobe_duration, make_video

TOLERANCE_S = 0.001
"""Our duration must equal ffprobe's within 1 ms."""


@dataclass(frozen=True)
class Variant:
    """One generated video and what its header must say."""

    name: str
    duration_s: float
    container: str
    video: str
    audio: str | None
    faststart: bool = True
    fps: float = 25
    size: tuple[int, int] = (160, 90)
    playable: bool = True
    make: dict[str, object] = field(default_factory=dict)

    @property
    def filename(self) -> str:
        """File name with the usual extension of its container."""
        return f"{self.name}.{'mkv' if self.container == 'matroska' else self.container}"


VARIANTS = [
    Variant("mp4-faststart", 4.0, "mp4", "avc1", "mp4a"),
    Variant(
        "mp4-moov-at-end", 4.0, "mp4", "avc1", "mp4a", faststart=False, make={"faststart": False}
    ),
    Variant("mp4-no-audio", 4.0, "mp4", "avc1", None, make={"audio": False}),
    Variant("mp4-timescale-90000", 4.0, "mp4", "avc1", "mp4a", make={"timescale": 90000}),
    Variant("mp4-timescale-1000", 4.0, "mp4", "avc1", "mp4a", make={"timescale": 1000}),
    Variant(
        "mp4-timescale-600-23.976",
        4.0,
        "mp4",
        "avc1",
        "mp4a",
        fps=24000 / 1001,
        make={"timescale": 600, "fps": 23.976},
    ),
    Variant("mp4-23.976", 4.0, "mp4", "avc1", "mp4a", fps=24000 / 1001, make={"fps": 23.976}),
    Variant(
        "mp4-30-fps-192x108",
        4.0,
        "mp4",
        "avc1",
        "mp4a",
        fps=30,
        size=(192, 108),
        make={"fps": 30, "size": (192, 108)},
    ),
    Variant("mp4-180.04-s", 180.04, "mp4", "avc1", "mp4a"),
    Variant(
        "mp4-7.37-s-30-fps-no-audio",
        7.37,
        "mp4",
        "avc1",
        None,
        fps=30,
        make={"fps": 30, "audio": False},
    ),
    Variant("mp4-b-frames", 4.3, "mp4", "avc1", "mp4a", make={"extra_args": ["-bf", "2"]}),
    Variant(
        "mp4-vp9-opus",
        4.3,
        "mp4",
        "vp09",
        "opus",
        make={"video_codec": "vp9", "audio_codec": "opus"},
    ),
    Variant("mov", 4.0, "mov", "avc1", "mp4a", playable=False),
    Variant(
        "mov-moov-at-end",
        4.0,
        "mov",
        "avc1",
        "mp4a",
        faststart=False,
        playable=False,
        make={"faststart": False},
    ),
    Variant("m4v", 4.0, "m4v", "avc1", "mp4a"),
    Variant("webm-vp8-opus", 4.0, "webm", "vp8", "opus"),
    Variant(
        "webm-vp9-vorbis",
        4.33,
        "webm",
        "vp9",
        "vorbis",
        make={"video_codec": "vp9", "audio_codec": "vorbis"},
    ),
    Variant(
        "webm-vp9-no-audio", 4.33, "webm", "vp9", None, make={"video_codec": "vp9", "audio": False}
    ),
    Variant(
        "mkv-h264-aac", 4.5, "matroska", "avc1", "mp4a", playable=False, make={"container": "mkv"}
    ),
    Variant("fmp4-default-base-moof", 4.3, "mp4", "avc1", "mp4a", make={"container": "fmp4"}),
    Variant(
        "fmp4-empty-moov",
        4.3,
        "mp4",
        "avc1",
        "mp4a",
        make={"container": "fmp4", "movflags": "frag_keyframe+empty_moov"},
    ),
    Variant(
        "fmp4-first-fragment-in-moov",
        4.3,
        "mp4",
        "avc1",
        "mp4a",
        make={"container": "fmp4", "movflags": "frag_keyframe"},
    ),
    Variant(
        "fmp4-b-frames",
        4.3,
        "mp4",
        "avc1",
        "mp4a",
        make={"container": "fmp4", "extra_args": ["-bf", "2"]},
    ),
    Variant(
        "fmp4-negative-cts-offsets",
        4.3,
        "mp4",
        "avc1",
        "mp4a",
        make={
            "container": "fmp4",
            "movflags": "frag_keyframe+empty_moov+negative_cts_offsets",
            "extra_args": ["-bf", "2"],
        },
    ),
    Variant("fmp4-no-audio", 4.3, "mp4", "avc1", None, make={"container": "fmp4", "audio": False}),
]
for _v in VARIANTS:
    _v.make.setdefault("container", "mkv" if _v.container == "matroska" else _v.container)

EXTRA = {
    # A live-recorded WebM: unknown-size Segment and Clusters, no Duration.
    "webm-live.webm": {"container": "webm", "extra_args": ["-live", "1"]},
}


@dataclass(frozen=True)
class Library:
    """The generated videos of the session and ffprobe's duration for each variant."""

    folder: Path
    paths: dict[str, Path]
    ffprobe_s: dict[str, float]

    def path(self, name: str) -> Path:
        """The generated file of variant or extra ``name``."""
        return self.paths[name]


@pytest.fixture(scope="session")
def ffprobe() -> str:
    """The reference ffprobe; its absence is a failure (CI installs Debian's ffmpeg)."""
    exe = shutil.which("ffprobe")
    if exe is None:
        pytest.fail(
            "ffprobe is not on PATH: the probe tests compare against it "
            "(install it, e.g. `apt-get install ffmpeg`)"
        )
    return exe


@pytest.fixture(scope="session")
def library(tmp_path_factory: pytest.TempPathFactory, ffprobe: str) -> Library:
    """Every variant and extra file, generated once, in parallel, with ffprobe's durations."""
    folder = tmp_path_factory.mktemp("probe-videos")

    def variant(v: Variant) -> tuple[str, Path, float]:
        path = make_video(folder / v.filename, v.duration_s, **v.make)  # type: ignore[arg-type]
        return v.name, path, ffprobe_duration(ffprobe, path)

    def extra(name: str) -> tuple[str, Path]:
        return name, make_video(folder / name, 4.0, **EXTRA[name])  # type: ignore[arg-type]

    longest_first = sorted(VARIANTS, key=lambda v: -v.duration_s)
    with ThreadPoolExecutor(max_workers=4) as pool:
        done = list(pool.map(variant, longest_first))
        extras = list(pool.map(extra, EXTRA))
    paths = {name: path for name, path, _ in done} | dict(extras)
    return Library(folder, paths, {name: seconds for name, _, seconds in done})


# --------------------------------------------------------------------------- exactness


@pytest.mark.parametrize("variant", VARIANTS, ids=lambda v: v.name)
def test_duration_equals_ffprobe(variant: Variant, library: Library) -> None:
    info = probe_video(library.path(variant.name))
    reference = library.ffprobe_s[variant.name]
    assert abs(info.duration_s - reference) <= TOLERANCE_S, (info.duration_s, reference)
    # And it is the length we asked for, give or take the last frames (B-frames delay 2 frames).
    assert abs(info.duration_s - variant.duration_s) < 0.15


@pytest.mark.parametrize("variant", VARIANTS, ids=lambda v: v.name)
def test_header_facts(variant: Variant, library: Library) -> None:
    info = probe_video(library.path(variant.name))
    assert info.container == variant.container
    assert info.faststart is variant.faststart
    assert info.video_codec == variant.video
    assert info.audio_codec == variant.audio
    assert (info.width, info.height) == variant.size
    assert info.fps == pytest.approx(variant.fps, rel=1e-3)
    assert info.browser_playable is variant.playable


# --------------------------------------------------------------------------- box surgery


def boxes(
    data: bytes, start: int = 0, end: int | None = None
) -> Iterator[tuple[bytes, int, int, int]]:
    """(type, offset, header size, total size) of the MP4 boxes in ``data[start:end]``."""
    end = len(data) if end is None else end
    pos = start
    while pos + 8 <= end:
        size, kind = struct.unpack_from(">I4s", data, pos)
        header = 8
        if size == 1:
            size, header = struct.unpack_from(">Q", data, pos + 8)[0], 16
        elif size == 0:
            size = end - pos
        yield kind, pos, header, size
        pos += size


def find_boxes(data: bytes, path: str) -> list[tuple[int, int, int]]:
    """(offset, header, size) of every box at ``path`` ("moov/trak/mdia/mdhd"), with parents."""
    found: list[tuple[int, int, int]] = []

    def walk(names: list[str], start: int, end: int) -> None:
        for kind, off, header, size in boxes(data, start, end):
            if kind.decode("latin-1") == names[0]:
                if len(names) == 1:
                    found.append((off, header, size))
                else:
                    walk(names[1:], off + header, off + size)

    walk(path.split("/"), 0, len(data))
    return found


def grow(data: bytearray, path: str, at: int, insert: bytes) -> None:
    """Insert bytes at ``at`` inside the box at ``path``, growing it and its 32-bit parents."""
    parts = path.split("/")
    parents = [find_boxes(bytes(data), "/".join(parts[: i + 1])) for i in range(len(parts))]
    for level in parents:
        for off, header, size in level:
            if off <= at < off + size and header == 8:
                struct.pack_into(">I", data, off, size + len(insert))
    data[at:at] = insert


def to_version_1(data: bytes, path: str) -> bytes:
    """Rewrite every ``mvhd``/``mdhd`` at ``path`` from version 0 to version 1 (64-bit times)."""
    out = bytearray(data)
    for off, header, _ in reversed(find_boxes(data, path)):
        payload = off + header
        assert out[payload] == 0
        created, modified, timescale, duration = struct.unpack_from(">IIII", out, payload + 4)
        grow(out, path, payload + 4, bytes(12))  # v1 times take 28 bytes instead of 16
        out[payload] = 1
        out[payload + 4 : payload + 32] = struct.pack(
            ">QQIQ", created, modified, timescale, duration
        )
    return bytes(out)


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_version_1_headers(library: Library, ffprobe: str, tmp_path: Path) -> None:
    original = library.path("mp4-moov-at-end")  # the moov is last: growing it moves no sample
    data = to_version_1(original.read_bytes(), "moov/mvhd")
    data = to_version_1(data, "moov/trak/mdia/mdhd")
    path = write(tmp_path, "v1.mp4", data)
    assert find_boxes(data, "moov/mvhd")[0][2] == 120
    info = probe_video(path)
    assert info.duration_s == probe_video(original).duration_s
    assert abs(info.duration_s - ffprobe_duration(ffprobe, path)) <= TOLERANCE_S
    assert info.fps == pytest.approx(25)


def test_64_bit_box_size(library: Library, ffprobe: str, tmp_path: Path) -> None:
    original = library.path("mp4-moov-at-end")
    data = bytearray(original.read_bytes())
    off, _, size = find_boxes(bytes(data), "moov")[0]
    data[off : off + 8] = struct.pack(">I4sQ", 1, b"moov", size + 8)
    path = write(tmp_path, "largesize.mp4", bytes(data))
    info = probe_video(path)
    assert info.duration_s == probe_video(original).duration_s
    assert abs(info.duration_s - ffprobe_duration(ffprobe, path)) <= TOLERANCE_S


def test_last_box_with_size_0_runs_to_the_end(library: Library, tmp_path: Path) -> None:
    original = library.path("mp4-faststart")  # the mdat is last
    data = bytearray(original.read_bytes())
    off, _, _ = find_boxes(bytes(data), "mdat")[0]
    struct.pack_into(">I", data, off, 0)
    info = probe_video(write(tmp_path, "size0.mp4", bytes(data)))
    assert info.duration_s == probe_video(original).duration_s


def test_mvhd_without_duration_falls_back_to_tracks(library: Library, tmp_path: Path) -> None:
    data = bytearray(library.path("mp4-faststart").read_bytes())
    off, header, _ = find_boxes(bytes(data), "moov/mvhd")[0]
    struct.pack_into(">I", data, off + header + 16, 0)
    info = probe_video(write(tmp_path, "mvhd0.mp4", bytes(data)))
    # The longest media: AAC keeps its 1024 priming samples (no edit list applied): 4.021 s.
    assert info.duration_s == pytest.approx(4.0, abs=0.05)


def test_fragmented_ignores_mehd_like_ffprobe(
    library: Library, ffprobe: str, tmp_path: Path
) -> None:
    original = library.path("fmp4-empty-moov")
    data = bytearray(original.read_bytes())
    off, header, _ = find_boxes(bytes(data), "moov/mvex")[0]
    mvhd_off, mvhd_header, _ = find_boxes(bytes(data), "moov/mvhd")[0]
    timescale = struct.unpack_from(">I", data, mvhd_off + mvhd_header + 12)[0]
    wrong = struct.pack(">I4sBxxxI", 16, b"mehd", 0, 2 * timescale)  # claims 2 s
    grow(data, "moov/mvex", off + header, wrong)
    path = write(tmp_path, "mehd.mp4", bytes(data))
    info = probe_video(path)
    assert info.duration_s == probe_video(original).duration_s
    assert abs(info.duration_s - ffprobe_duration(ffprobe, path)) <= TOLERANCE_S


# --------------------------------------------------------------------------- errors


def probe_error(path: Path) -> ProbeError:
    with pytest.raises(ProbeError) as caught:
        probe_video(path)
    error = caught.value
    assert error.code in PROBE_CODES
    assert isinstance(error, MoocError)
    assert [p.code for p in error.problems] == [error.code]
    assert error.problems[0].file == path
    assert error.hint
    assert "Traceback" not in str(error)
    return error


def test_empty_file(tmp_path: Path) -> None:
    error = probe_error(write(tmp_path, "empty.mp4", b""))
    assert error.code == "video-truncated"
    assert "empty" in error.message


def test_pdf_is_an_unknown_container(tmp_path: Path) -> None:
    error = probe_error(write(tmp_path, "slides.mp4", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n"))
    assert error.code == "video-unknown-container"
    assert "starts with bytes 25 50 44 46" in error.message
    assert "'%PDF" in error.message
    assert "a PDF document" in error.message


@pytest.mark.parametrize(
    ("data", "named"),
    [
        (b"PK\x03\x04\x14\x00\x06\x00" + bytes(40), "ZIP"),
        (b"RIFF\x00\x10\x00\x00AVI LIST" + bytes(40), "AVI"),
        (b"\x1a\x45\xdf\xa3\x8b\x42\x82\x88qtvideo!" + bytes(40), "EBML file of type 'qtvideo!'"),
        (b"Hello, this is not a video at all." + bytes(20), "'Hello, t'"),
    ],
    ids=["zip", "avi", "ebml-not-matroska", "text"],
)
def test_other_files_are_unknown_containers(tmp_path: Path, data: bytes, named: str) -> None:
    error = probe_error(write(tmp_path, "lesson.mp4", data))
    assert error.code == "video-unknown-container"
    assert named in error.message


def test_cut_inside_mdat_is_truncated(library: Library, tmp_path: Path) -> None:
    data = library.path("mp4-faststart").read_bytes()
    cut = len(data) * 7 // 10
    error = probe_error(write(tmp_path, "cut.mp4", data[:cut]))
    assert error.code == "video-truncated"
    assert f"the file ends inside the 'mdat' box (at byte {cut:,} of {len(data):,})" in (
        error.message
    )
    assert "truncated" in error.message


def test_cut_inside_moov_is_truncated(library: Library, tmp_path: Path) -> None:
    data = library.path("mp4-moov-at-end").read_bytes()
    off, _, size = find_boxes(data, "moov")[0]
    error = probe_error(write(tmp_path, "cut.mp4", data[: off + size // 2]))
    assert error.code == "video-truncated"
    assert f"inside the 'moov' box (at byte {off + size // 2:,} of {off + size:,})" in (
        error.message
    )


def test_missing_moov_is_truncated(library: Library, tmp_path: Path) -> None:
    data = library.path("mp4-moov-at-end").read_bytes()
    off, _, _ = find_boxes(data, "moov")[0]
    error = probe_error(write(tmp_path, "nomoov.mp4", data[:off]))
    assert error.code == "video-truncated"
    assert "no 'moov' box" in error.message


def test_fragmented_header_without_fragments_is_truncated(library: Library, tmp_path: Path) -> None:
    data = library.path("fmp4-empty-moov").read_bytes()
    off, _, size = find_boxes(data, "moov")[0]
    error = probe_error(write(tmp_path, "header-only.mp4", data[: off + size]))
    assert error.code == "video-truncated"
    assert "no media fragments" in error.message


def test_cut_webm_is_truncated(library: Library, tmp_path: Path) -> None:
    data = library.path("webm-vp8-opus").read_bytes()
    error = probe_error(write(tmp_path, "cut.webm", data[: len(data) // 2]))
    assert error.code == "video-truncated"
    assert "Segment" in error.message


def test_garbage_after_ftyp_is_corrupt(library: Library, tmp_path: Path) -> None:
    data = bytearray(library.path("mp4-faststart").read_bytes())
    off, _, _ = find_boxes(bytes(data), "moov")[0]
    data[off : off + 8] = b"\x00\x01\x02\x03\xde\xad\xbe\xef"
    error = probe_error(write(tmp_path, "garbage.mp4", bytes(data)))
    assert error.code == "video-corrupt"
    assert f"garbage where a box header should be, at byte {off:,}" in error.message


def test_impossible_box_size_is_corrupt(library: Library, tmp_path: Path) -> None:
    data = bytearray(library.path("mp4-faststart").read_bytes())
    off, _, _ = find_boxes(bytes(data), "moov")[0]
    struct.pack_into(">I", data, off, 5)
    error = probe_error(write(tmp_path, "size5.mp4", bytes(data)))
    assert error.code == "video-corrupt"
    assert "impossible size" in error.message


def test_box_overflowing_its_parent_is_corrupt(library: Library, tmp_path: Path) -> None:
    data = bytearray(library.path("mp4-faststart").read_bytes())
    off, _, _ = find_boxes(bytes(data), "moov/mvhd")[0]
    struct.pack_into(">I", data, off, 1_000_000)
    error = probe_error(write(tmp_path, "overflow.mp4", bytes(data)))
    assert error.code == "video-corrupt"
    assert "'mvhd' box" in error.message
    assert "runs past the end of its 'moov' box" in error.message


def test_live_webm_has_no_duration(library: Library) -> None:
    error = probe_error(library.path("webm-live.webm"))
    assert error.code == "video-no-duration"
    assert "no duration" in error.message
    assert error.hint is not None
    assert "ffmpeg -i in.webm -c copy out.webm" in error.hint


def test_mp4_without_any_duration(library: Library, tmp_path: Path) -> None:
    data = bytearray(library.path("mp4-faststart").read_bytes())
    for path in ("moov/mvhd", "moov/trak/mdia/mdhd"):
        for off, header, _ in find_boxes(bytes(data), path):
            struct.pack_into(">I", data, off + header + 16, 0)
    error = probe_error(write(tmp_path, "nodur.mp4", bytes(data)))
    assert error.code == "video-no-duration"
    assert error.hint is not None
    assert "ffmpeg -i in.mp4 -c copy -movflags +faststart out.mp4" in error.hint


def test_missing_and_unreadable_files(tmp_path: Path) -> None:
    error = probe_error(tmp_path / "nowhere.mp4")
    assert error.code == "video-unreadable"
    assert "No such file" in error.message
    assert probe_error(tmp_path).code == "video-unreadable"  # a folder


# --------------------------------------------------------------------------- robustness


@pytest.mark.parametrize(
    "name", ["mp4-moov-at-end", "mp4-faststart", "webm-vp8-opus", "fmp4-b-frames"]
)
def test_any_bytes_give_info_or_probe_error(name: str, library: Library, tmp_path: Path) -> None:
    """Truncations every few bytes and random byte flips: VideoInfo or ProbeError, nothing else."""
    data = library.path(name).read_bytes()
    rng = random.Random(name)
    # Most flips land in the header: the first 4 kB, or the last 4 kB when the moov is at the end.
    if name == "mp4-moov-at-end":
        header = range(max(0, len(data) - 4096), len(data))
    else:
        header = range(min(4096, len(data)))
    cases = [data[:cut] for cut in range(0, min(len(data), 3000), 5)]
    cases += [data[:cut] for cut in range(0, len(data), max(1, len(data) // 150))]
    for _ in range(400):
        mutated = bytearray(data)
        for _ in range(rng.randint(1, 6)):
            where = rng.choice(header) if rng.random() < 0.7 else rng.randrange(len(data))
            mutated[where] = rng.randrange(256)
        cases.append(bytes(mutated))
    path = tmp_path / f"fuzz{library.path(name).suffix}"
    outcomes: dict[str, int] = {}
    for blob in cases:
        path.write_bytes(blob)
        try:
            result: object = probe_video(path)
        except ProbeError as exc:
            key = exc.code if exc.message else "no message"
        else:
            assert isinstance(result, VideoInfo)
            key = "ok"
        outcomes[key] = outcomes.get(key, 0) + 1
    assert "no message" not in outcomes
    assert outcomes.get("ok", 0) > 0
    assert outcomes.get("video-truncated", 0) > 0


# --------------------------------------------------------------------------- ffmpeg and factory


def test_run_ffmpeg_failure_is_a_mooc_error(tmp_path: Path) -> None:
    missing = tmp_path / "does-not-exist.mp4"
    with pytest.raises(MoocError) as caught:
        run_ffmpeg(["-i", str(missing), "-f", "null", "-"], what="checking the intro")
    message = caught.value.message
    assert message.startswith("checking the intro: ffmpeg failed (exit status")
    assert "does-not-exist.mp4" in message


def test_ffmpeg_exe_is_the_bundled_one() -> None:
    assert Path(ffmpeg_exe()).is_file()


def test_make_video_is_deterministic(tmp_path: Path) -> None:
    first = make_video(tmp_path / "a.mp4", 1.5)
    second = make_video(tmp_path / "b.mp4", 1.5)
    assert first.read_bytes() == second.read_bytes()
    assert probe_video(first).duration_s == pytest.approx(1.5, abs=0.03)


def test_make_video_rejects_what_it_cannot_make(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="container"):
        make_video(tmp_path / "a.avi", 1, container="avi")
    with pytest.raises(ValueError, match="timescale"):
        make_video(tmp_path / "a.webm", 1, container="webm", timescale=1000)
