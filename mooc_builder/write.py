"""The only stage that writes packages to disk: reproducible zips, atomic output, build.json.

Reproducible: entries sorted, timestamps fixed at 1980-01-01, permissions fixed, media stored
and text deflated at zlib's default level, so the same inputs give byte-identical zips.
Atomic: a build is written to a temporary folder beside the output and renamed into place only
when everything succeeded; a failed build leaves the previous output as it was.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import tempfile
import zipfile
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from mooc_builder.errors import MoocError

ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
STORED_SUFFIXES = frozenset(
    {".mp4", ".m4v", ".mov", ".webm", ".mkv", ".mp3", ".m4a", ".ogg", ".opus"}
    | {".png", ".jpg", ".jpeg", ".gif", ".webp", ".woff", ".woff2", ".zip"}
)
"""Already-compressed media: stored as they are (deflating them costs time and saves nothing)."""
CHUNK = 1 << 20
BUILD_FILE = "build.json"


@dataclass(frozen=True)
class Artifact:
    """One written package, as listed in build.json."""

    path: str
    format: str
    scope: str
    lesson: str | None
    sha256: str
    bytes: int
    key: str
    """Hash of everything that went into the zip; equal keys mean equal zips."""

    def to_json(self) -> dict[str, Any]:
        """The build.json form."""
        return asdict(self)


def safe_arcname(name: str) -> str:
    """Check that an archive name stays inside the archive (no absolute path, no ``..``)."""
    pure = PurePosixPath(name)
    if not name or pure.is_absolute() or ".." in pure.parts or "\\" in name:
        raise ValueError(f"unsafe archive name {name!r}")
    return pure.as_posix()


def write_zip(entries: Mapping[str, bytes | Path], dest: Path) -> None:
    """Write ``entries`` (name -> bytes or source file) to ``dest`` reproducibly."""
    with zipfile.ZipFile(dest, "w", allowZip64=True) as archive:
        for name in sorted(entries):
            content = entries[name]
            info = zipfile.ZipInfo(safe_arcname(name), date_time=ZIP_EPOCH)
            info.create_system = 3  # unix, so that the permissions below are read
            info.external_attr = 0o100644 << 16
            stored = PurePosixPath(name).suffix.lower() in STORED_SUFFIXES
            info.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
            if isinstance(content, bytes):
                archive.writestr(info, content)
                continue
            info.file_size = content.stat().st_size  # lets zipfile decide on zip64 up front
            with content.open("rb") as src, archive.open(info, "w") as dst:
                shutil.copyfileobj(src, dst, CHUNK)


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file, read in large chunks."""
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


@contextlib.contextmanager
def atomic_folder(out_dir: Path) -> Iterator[Path]:
    """Yield a fresh temporary folder that replaces ``out_dir`` when the block succeeds.

    On any exception the temporary folder is removed and ``out_dir`` is left untouched.
    """
    out_dir = out_dir.absolute()
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.build-", dir=out_dir.parent))
    tmp.chmod(0o755)  # mkdtemp makes it private; the output is meant to be shared
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    old: Path | None = None
    if out_dir.exists():
        if not out_dir.is_dir():
            shutil.rmtree(tmp, ignore_errors=True)
            raise MoocError(
                f"{out_dir} exists and is not a folder", hint="choose another --out folder"
            )
        old = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.old-", dir=out_dir.parent))
        out_dir.replace(old / "previous")
    try:
        tmp.replace(out_dir)
    except OSError:
        if old is not None:  # put the previous output back
            (old / "previous").replace(out_dir)
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    finally:
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)


def write_file_atomic(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` at once: readers see the old file or the new, never half.

    An existing file keeps its permissions; a new one gets the usual 0644.
    """
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    tmp = Path(name)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        tmp.chmod(path.stat().st_mode & 0o7777 if path.exists() else 0o644)
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def link_or_copy(source: Path, dest: Path) -> None:
    """Reuse an earlier artifact: a hard link where the file system allows it, else a copy."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(source, dest)
    except OSError:
        shutil.copyfile(source, dest)


def write_json(path: Path, data: Mapping[str, Any]) -> None:
    """Write JSON (UTF-8, sorted as given, trailing newline) to ``path``."""
    text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    path.write_text(text, encoding="utf-8")


def read_build_json(out_dir: Path) -> dict[str, Any] | None:
    """The build.json of an earlier build in ``out_dir``, or ``None``."""
    try:
        data = json.loads((out_dir / BUILD_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None
