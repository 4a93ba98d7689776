"""xAPI statements: a JSON array, one statement, an LRS page (``{"statements": […]}``) or NDJSON.

Per statement:

- the **actor** is named by ``mbox`` (case-insensitive), ``mbox_sha1sum`` or ``account.name``
  (which must equal the roster's ``person_id``); ``openid`` and anonymous groups never match;
- the **verb** decides the kind: completed, passed, cmi5 satisfied and waived are completions,
  every other verb is activity, ``voided`` voids the statement its StatementRef points at;
- the **activity** is the object id together with every context activity id (parent, grouping,
  category, other); the report decides which lesson that is;
- the **time** is ``timestamp`` (when it happened), else ``stored``;
- the **id** makes it idempotent; a statement without one gets an id derived from its content.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import sys
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, tzinfo
from multiprocessing.pool import AsyncResult
from pathlib import Path
from typing import Any

import orjson

from mooc_builder.tracking.clock import parse_instant
from mooc_builder.tracking.ingest.base import (
    REF_IRI,
    Fact,
    FactBatch,
    LogReader,
    ReadContext,
    Record,
    Reject,
    Sample,
    Void,
    content_id,
    email_key,
    pid_key,
    register,
    sha1_key,
)
from mooc_builder.tracking.store import ACTIVITY, COMPLETION

VOIDED = "http://adlnet.gov/expapi/verbs/voided"
COMPLETION_VERBS = frozenset(
    {
        "http://adlnet.gov/expapi/verbs/completed",
        "http://adlnet.gov/expapi/verbs/passed",
        "https://w3id.org/xapi/adl/verbs/satisfied",
        "https://w3id.org/xapi/adl/verbs/waived",
    }
)
_CONTEXT_TYPES = frozenset(("parent", "grouping", "category", "other"))
_fromisoformat = datetime.fromisoformat


def uuid_bytes(value: object) -> bytes | None:
    """A canonical UUID string (8-4-4-4-12 hex) -> 16 bytes; None if it is not one."""
    if type(value) is not str or len(value) != 36:
        return None
    if value[8] != "-" or value[13] != "-" or value[18] != "-" or value[23] != "-":
        return None
    try:
        raw = bytes.fromhex(value.replace("-", ""))
    except ValueError:
        return None
    # fromhex skips whitespace and we removed every "-": 16 bytes means 32 hex digits.
    return raw if len(raw) == 16 else None


def actor_key(actor: object) -> str | None:
    """The actor key of an xAPI Agent or identified Group; None when it names no one."""
    if not isinstance(actor, dict):
        return None
    mbox = actor.get("mbox")
    if isinstance(mbox, str) and mbox:
        return email_key(mbox)
    digest = actor.get("mbox_sha1sum")
    if isinstance(digest, str) and digest:
        return sha1_key(digest)
    account = actor.get("account")
    if isinstance(account, dict):
        name = account.get("name")
        if isinstance(name, str) and name:
            return pid_key(name)
    openid = actor.get("openid")
    if isinstance(openid, str) and openid:
        return "openid:" + openid
    if actor.get("objectType") == "Group":
        return "group:anonymous"
    return None


class StatementParser:
    """Turns statements into records; remembers actor keys (learners recur in every log)."""

    def __init__(self, ctx: ReadContext) -> None:
        self.ctx = ctx
        self._mbox_keys: dict[str, str] = {}

    def record(self, stmt: Any, line: int | None) -> Record:
        """One statement -> a Fact, a Void, or a Reject explaining what is wrong."""
        if type(stmt) is not dict:
            return Reject(line, "a statement must be a JSON object", None, _raw(stmt))
        raw_id = stmt.get("id")
        if raw_id is None:
            event_id = content_id("xapi", json.dumps(stmt, sort_keys=True, ensure_ascii=False))
        else:
            parsed_id = uuid_bytes(raw_id)
            if parsed_id is None:
                return Reject(line, f"statement id {raw_id!r} is not a UUID", None, _raw(stmt))
            event_id = parsed_id
        verb = stmt.get("verb")
        verb_id = verb.get("id") if type(verb) is dict else None
        if type(verb_id) is not str or not verb_id:
            return Reject(line, "the statement has no verb id", "add verb.id (an IRI)", _raw(stmt))
        obj = stmt.get("object")
        if type(obj) is not dict:
            return Reject(line, "the statement has no object", None, _raw(stmt))
        if verb_id == VOIDED:
            target = uuid_bytes(obj.get("id")) if obj.get("objectType") == "StatementRef" else None
            if target is None:
                return Reject(
                    line,
                    "a voiding statement must have a StatementRef object with a UUID id",
                    None,
                    _raw(stmt),
                )
            return Void(target, event_id, line)
        actor = stmt.get("actor")
        mbox = actor.get("mbox") if type(actor) is dict else None
        if type(mbox) is str and mbox:
            key: str | None = self._mbox_keys.get(mbox)
            if key is None:
                key = self._mbox_keys[mbox] = email_key(mbox)
        else:
            key = actor_key(actor)
        if key is None:
            return Reject(
                line,
                "the actor has no mbox, mbox_sha1sum, account or openid",
                "name learners by email (mbox) or by account.name = person_id",
                _raw(stmt),
            )
        object_id = obj.get("id")
        if obj.get("objectType", "Activity") == "Activity":
            if type(object_id) is not str or not object_id:
                return Reject(line, "the activity object has no id", None, _raw(stmt))
        else:
            object_id = ""
        context_ids: tuple[str, ...] = ()
        context = stmt.get("context")
        if type(context) is dict:
            activities = context.get("contextActivities")
            if type(activities) is dict and activities:
                found: list[str] = []
                for context_type, value in activities.items():
                    if context_type not in _CONTEXT_TYPES:
                        continue
                    if type(value) is dict:
                        value = [value]
                    if type(value) is list:
                        for item in value:
                            if type(item) is dict:
                                ident = item.get("id")
                                if type(ident) is str and ident and ident not in found:
                                    found.append(ident)
                if found:
                    if len(found) > 1:
                        found.sort()
                    context_ids = tuple(found)
        when = stmt.get("timestamp") or stmt.get("stored")
        if type(when) is not str:
            return Reject(line, "the statement has neither timestamp nor stored", None, _raw(stmt))
        try:
            moment = _fromisoformat(when)
        except ValueError:
            try:
                at = parse_instant(when, self.ctx.tz)
            except ValueError as exc:
                return Reject(line, f"timestamp: {exc}", None, _raw(stmt))
        else:
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=self.ctx.tz)
            at = int(moment.timestamp() // 1)
        kind = COMPLETION if verb_id in COMPLETION_VERBS else ACTIVITY
        return Fact(event_id, key, kind, (REF_IRI, object_id, context_ids), at, line)


def statement_record(stmt: Any, line: int | None, ctx: ReadContext) -> Record:
    """One statement -> a Fact, a Void, or a Reject (see :class:`StatementParser`)."""
    return StatementParser(ctx).record(stmt, line)


def _raw(value: object) -> str:
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= 2000 else text[:2000] + "…"


@register
class XapiReader(LogReader):
    """xAPI statements in any of the usual file shapes."""

    name = "xapi"
    label = "xAPI statements"

    def detect(self, sample: Sample) -> bool:
        """JSON text (an object or an array), or a .json/.ndjson/.jsonl file."""
        start = sample.head.lstrip(b"\xef\xbb\xbf \t\r\n")
        return start[:1] in (b"{", b"[") or sample.path.suffix.lower() in (
            ".json",
            ".ndjson",
            ".jsonl",
        )

    def read(self, path: Path, ctx: ReadContext) -> Iterator[Record]:
        """Statements of ``path`` with the line each starts on."""
        try:
            size = path.stat().st_size
            with path.open("rb") as fh:
                head = fh.read(65536)
        except OSError as exc:
            yield Reject(None, f"cannot read the file: {exc.strerror or exc}", None, "")
            return
        start = head.lstrip(b"\xef\xbb\xbf \t\r\n")
        if start[:1] == b"[":
            yield from _read_document(path, ctx, size)
            return
        with path.open("rb") as fh:
            first_line = fh.readline()
        try:
            first = json.loads(first_line) if first_line.strip() else None
        except ValueError:
            first = None
        if isinstance(first, dict) and len(first_line) < size and "statements" not in first:
            yield from _read_ndjson(path, ctx, size)
        else:
            yield from _read_document(path, ctx, size)


PARALLEL_MIN_BYTES = 32 * 1024 * 1024
"""NDJSON files at least this large are parsed by worker processes (when there are CPUs)."""
BLOCK_BYTES = 4 * 1024 * 1024
"""Bytes of NDJSON handed to a worker at a time (cut at a line end)."""


def parse_workers(size: int, requested: int | None) -> int:
    """How many worker processes parse an NDJSON file of ``size`` bytes (0: parse in-process).

    Workers are forked, which is safe only in a single-threaded process and reliable only on
    Linux; elsewhere (and inside threaded programs) parsing stays in-process. Spawned workers
    would re-run the caller's main module, which scripts without a ``__main__`` guard do not
    survive.
    """
    if not _can_fork():
        return 0
    if requested is not None:
        return max(0, requested)
    cpus = os.cpu_count() or 1
    # one CPU stays with this process: it stores the records and parses when workers lag
    return min(cpus - 1, 4) if size >= PARALLEL_MIN_BYTES and cpus > 1 else 0


def _can_fork() -> bool:
    return sys.platform == "linux" and threading.active_count() == 1


def _parse_lines(
    lines: Iterable[bytes], first_line: int, parser: StatementParser
) -> Iterator[Record]:
    """Records of NDJSON ``lines`` numbered from ``first_line``.

    orjson parses the lines (twice as fast as the standard library); a line it refuses is
    parsed again by the standard library, whose messages say what is wrong.
    """
    raw_decode = json.JSONDecoder().raw_decode  # json.loads minus two regex calls per line
    loads = json.loads
    fast_loads = orjson.loads
    fast_error = orjson.JSONDecodeError
    record = parser.record
    for number, raw in enumerate(lines, start=first_line):
        if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        try:
            stmt = fast_loads(raw)
        except fast_error:
            pass
        else:
            yield record(stmt, number)
            continue
        try:
            text = raw.decode("utf-8")
            try:
                stmt, end = raw_decode(text)
                if end != len(text) and not text[end:].isspace():
                    raise ValueError("extra data after the statement")
            except ValueError:
                stmt = loads(text)  # leading spaces, or a real error with its message
        except UnicodeDecodeError as exc:
            yield Reject(number, f"not UTF-8: {exc.reason}", "save the file as UTF-8", "")
            continue
        except ValueError as exc:
            if not raw.strip():
                continue
            yield Reject(
                number,
                f"not valid JSON: {exc}",
                "each line of an NDJSON file must be one complete statement",
                raw.decode("utf-8", errors="replace").rstrip("\r\n")[:2000],
            )
            continue
        yield record(stmt, number)


def parse_block(block: bytes, first_line: int, tz: tzinfo, now: int) -> list[Record]:
    """Records of a block of whole NDJSON lines (runs in a worker process).

    Voids and rejects come one by one, in file order; the facts come last, as one
    :class:`FactBatch`.
    """
    parser = StatementParser(ReadContext(tz=tz, now=now))
    out: list[Record] = []
    facts: list[Fact] = []
    for record in _parse_lines(block.split(b"\n"), first_line, parser):
        if type(record) is Fact:
            facts.append(record)
        else:
            out.append(record)
    if facts:
        out.append(FactBatch.of(facts))
    return out


def _read_ndjson(path: Path, ctx: ReadContext, size: int) -> Iterator[Record]:
    workers = parse_workers(size, ctx.workers)
    if workers:
        yield from _read_ndjson_parallel(path, ctx, size, workers)
        return
    progress = ctx.progress
    with path.open("rb") as fh:
        done = 0
        lines = 0

        def counted() -> Iterator[bytes]:
            nonlocal done, lines
            for raw in fh:
                done += len(raw)
                lines += 1
                if progress is not None and lines % 20000 == 0:
                    progress(done, size)
                yield raw

        yield from _parse_lines(counted(), 1, StatementParser(ctx))
    if progress is not None:
        progress(size, size)


def _read_ndjson_parallel(
    path: Path, ctx: ReadContext, size: int, workers: int
) -> Iterator[Record]:
    """Blocks of lines parsed by ``workers`` processes and by this one.

    Each worker has up to four blocks queued (memory stays bounded whatever the size of the
    file). While the oldest block is not ready, this process parses a small piece of the file
    itself rather than wait, so every CPU stays busy. Records may therefore come out of file
    order; each keeps its line number.
    """
    fork = multiprocessing.get_context("fork")
    parser = StatementParser(ctx)
    with path.open("rb") as fh, fork.Pool(workers) as pool:
        pending: deque[tuple[AsyncResult[list[Record]], int]] = deque()
        first_line = 1
        done = 0
        eof = False

        def next_block(size: int = BLOCK_BYTES) -> tuple[bytes, int] | None:
            nonlocal first_line, eof
            block = fh.read(size)
            if not block:
                eof = True
                return None
            block += fh.readline()
            start = first_line
            first_line += block.count(b"\n")
            return block, start

        while True:
            if pending and pending[0][0].ready():
                result, length = pending.popleft()
                records = result.get()
            elif not eof and len(pending) < 4 * workers:
                item = next_block()
                if item is not None:
                    pending.append(
                        (pool.apply_async(parse_block, (*item, ctx.tz, ctx.now)), len(item[0]))
                    )
                continue
            elif not eof:
                # a small piece, so that this process only fills the time it would wait
                item = next_block(max(1, BLOCK_BYTES // 16))
                if item is None:
                    continue
                records = list(_parse_lines(item[0].split(b"\n"), item[1], parser))
                length = len(item[0])
            elif pending:
                result, length = pending.popleft()
                records = result.get()
            else:
                break
            yield from records
            done += length
            if ctx.progress is not None:
                ctx.progress(done, size)


def _read_document(path: Path, ctx: ReadContext, size: int) -> Iterator[Record]:
    """A JSON array, one statement, or an LRS page, keeping the line of each array element."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        yield Reject(None, f"the file is not UTF-8 ({exc.reason})", "save it as UTF-8", "")
        return
    decoder = json.JSONDecoder()
    record = StatementParser(ctx).record
    pos = _skip_ws(text, 0)
    if text.startswith("[", pos):
        yield from _read_array(text, pos, decoder, record)
    else:
        try:
            value, end = decoder.raw_decode(text, pos)
        except ValueError as exc:
            yield Reject(_line_at(text, pos), f"not valid JSON: {exc}", None, text[pos : pos + 200])
            return
        if _skip_ws(text, end) != len(text):
            yield Reject(
                _line_at(text, end),
                "extra text after the JSON value",
                "for one statement per line, name the file .ndjson",
                text[end : end + 200],
            )
            return
        if isinstance(value, dict) and isinstance(value.get("statements"), list):
            inner = text.find("[", text.find('"statements"', pos))
            yield from _read_array(text, inner, decoder, record)
        else:
            yield record(value, _line_at(text, pos))
    if ctx.progress is not None:
        ctx.progress(size, size)


def _read_array(
    text: str,
    pos: int,
    decoder: json.JSONDecoder,
    record: Callable[[Any, int | None], Record],
) -> Iterator[Record]:
    line = _line_at(text, pos)
    last = pos
    pos = _skip_ws(text, pos + 1)
    if text.startswith("]", pos):
        return
    while True:
        line += text.count("\n", last, pos)
        last = pos
        try:
            value, end = decoder.raw_decode(text, pos)
        except ValueError as exc:
            yield Reject(line, f"not valid JSON: {exc}", None, text[pos : pos + 200])
            return
        yield record(value, line)
        pos = _skip_ws(text, end)
        if text.startswith(",", pos):
            pos = _skip_ws(text, pos + 1)
            continue
        if text.startswith("]", pos):
            return
        line += text.count("\n", last, pos)
        yield Reject(line, "expected ',' or ']' after a statement", None, text[pos : pos + 200])
        return


def _skip_ws(text: str, pos: int) -> int:
    n = len(text)
    while pos < n and text[pos] in " \t\r\n":
        pos += 1
    return pos


def _line_at(text: str, pos: int) -> int:
    return text.count("\n", 0, pos) + 1
