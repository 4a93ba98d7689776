"""What a log reader produces, the reader base class, and the registry of formats.

A reader turns one file into a stream of records:

:class:`Fact`
    something a person did, at a time: enrolled, had activity, completed, attended;
:class:`Void`
    an xAPI voiding statement (the target statement stops counting);
:class:`Reject`
    a malformed row or statement, with its line and what to do.

Adding a log format is one module: subclass :class:`LogReader`, decorate it with
:func:`register`, and import the module in ``mooc_builder/tracking/ingest/__init__.py``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import tzinfo
from pathlib import Path
from typing import ClassVar, NamedTuple

from mooc_builder.tracking.identity import email_key, mbox_sha1sums, pid_key, sha1_key

__all__ = [
    "REF_IRI",
    "REF_LESSON",
    "REF_TITLE",
    "ActivityRef",
    "Fact",
    "FactBatch",
    "LogReader",
    "ReadContext",
    "Record",
    "Reject",
    "Sample",
    "Void",
    "content_id",
    "email_key",
    "mbox_sha1sums",
    "pid_key",
    "register",
    "sha1_key",
]

ActivityRef = tuple[str, str, tuple[str, ...]]
"""What a fact is about, as the log wrote it: ``(ref_type, object, context ids)``.

``ref_type`` is ``iri`` (xAPI object id + context activity ids), ``lesson`` (a lesson id or IRI
from an LMS CSV) or ``title`` (an activity name from Moodle). A report maps these to lessons.
"""

REF_IRI = "iri"
REF_LESSON = "lesson"
REF_TITLE = "title"


class Fact(NamedTuple):
    """One thing a person did."""

    event_id: bytes
    """16 bytes: the xAPI statement id, or a hash of the CSV row's meaning (idempotence)."""
    actor_key: str
    """``pid:<person_id>``, ``mbox:<email>``, ``sha1:<mbox_sha1sum>`` or another namespace."""
    kind: int
    """One of the kinds in :mod:`mooc_builder.tracking.store`."""
    ref: ActivityRef | None
    """None for facts about the programme (enrolment, attendance)."""
    at: int
    """Epoch seconds (UTC)."""
    line: int | None


class Void(NamedTuple):
    """A voiding statement: ``target_id`` must stop counting, whenever it arrives."""

    target_id: bytes
    voiding_id: bytes
    line: int | None


class Reject(NamedTuple):
    """A row or statement that cannot be read."""

    line: int | None
    message: str
    hint: str | None
    raw: str


class FactBatch(NamedTuple):
    """Many facts in columns, with actor keys and activities listed once: how facts travel from
    parser processes (a tenth of the pickling cost of separate :class:`Fact` tuples)."""

    event_ids: bytes
    """16 bytes per fact, concatenated."""
    actor_keys: list[str]
    actor_index: list[int]
    kinds: list[int]
    refs: list[ActivityRef | None]
    ref_index: list[int]
    ats: list[int]

    @classmethod
    def of(cls, facts: list[Fact]) -> FactBatch:
        """Columns of ``facts``."""
        keys: dict[str, int] = {}
        refs: dict[ActivityRef | None, int] = {}
        actor_index = [keys.setdefault(f.actor_key, len(keys)) for f in facts]
        ref_index = [refs.setdefault(f.ref, len(refs)) for f in facts]
        return cls(
            event_ids=b"".join(f.event_id for f in facts),
            actor_keys=list(keys),
            actor_index=actor_index,
            kinds=[f.kind for f in facts],
            refs=list(refs),
            ref_index=ref_index,
            ats=[f.at for f in facts],
        )

    @property
    def size(self) -> int:
        """Number of facts."""
        return len(self.kinds)


Record = Fact | Void | Reject | FactBatch

ProgressCallback = Callable[[str, int, int], None]
"""``(item, done, total)`` — the CLI draws a bar from it."""


@dataclass(frozen=True)
class ReadContext:
    """What every reader may need besides the file."""

    tz: tzinfo
    """Zone of times written without an offset."""
    now: int
    """Ingest time (epoch seconds): the time of facts a log states without a date."""
    progress: Callable[[int, int], None] | None = None
    """``(bytes done, bytes total)``."""
    workers: int | None = None
    """Processes parsing large NDJSON files (None: as many as CPUs, up to 4; 0: none)."""


@dataclass(frozen=True)
class Sample:
    """The beginning of a file, for format detection."""

    path: Path
    head: bytes
    raw_header: tuple[str, ...] = field(default=())
    """CSV header names as written (empty when the file does not look like CSV)."""

    @property
    def header(self) -> tuple[str, ...]:
        """Normalised CSV header names."""
        from mooc_builder.tracking.ingest.tabular import normalise_header

        return tuple(normalise_header(h) for h in self.raw_header)


class LogReader:
    """Base class of log readers. Subclasses set ``name``/``label`` and implement two methods."""

    name: ClassVar[str]
    """What ``--format`` takes, e.g. ``xapi``."""
    label: ClassVar[str]
    """A few words for messages, e.g. ``xAPI statements``."""

    def detect(self, sample: Sample) -> bool:
        """True when ``sample`` is in this format."""
        raise NotImplementedError

    def read(self, path: Path, ctx: ReadContext) -> Iterator[Record]:
        """Every record of ``path``, in file order. Must not raise for bad rows: yield Reject."""
        raise NotImplementedError


READERS: dict[str, type[LogReader]] = {}
"""Registered readers by name, in detection order."""


def register(cls: type[LogReader]) -> type[LogReader]:
    """Class decorator adding a reader to :data:`READERS`."""
    READERS[cls.name] = cls
    return cls


# -- helpers shared by readers ------------------------------------------------------------------


def content_id(*parts: object) -> bytes:
    """A 16-byte id derived from a record's meaning, so the same row read twice is one event."""
    text = "\x1f".join("" if p is None else str(p) for p in parts)
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).digest()
