"""Pulling statements from any xAPI 1.0.3 LRS: ``GET statements`` page by page.

Requests carry ``X-Experience-API-Version: 1.0.3`` and HTTP Basic credentials and ask for
``ascending=true`` (oldest stored first), following ``more`` until it is empty. Every page is
stored in its own transaction together with the largest ``stored`` seen, so an interrupted pull
loses nothing and the next pull resumes with ``since`` = that value (the LRS treats ``since`` as
exclusive; a statement seen twice counts once anyway).
"""

from __future__ import annotations

import base64
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from mooc_builder.errors import MoocError, Problem, UsageError
from mooc_builder.tracking.ingest.base import ReadContext, Record, Reject
from mooc_builder.tracking.ingest.writer import IngestSession, now_epoch
from mooc_builder.tracking.ingest.xapi import statement_record
from mooc_builder.tracking.store import TrackingStore, lrs_pulls

XAPI_VERSION = "1.0.3"


@dataclass
class PullResult:
    """What a pull fetched and stored."""

    endpoint: str
    since: str | None
    pages: int = 0
    statements: int = 0
    new: int = 0
    duplicates: int = 0
    unmatched: int = 0
    last_stored: str | None = None
    rejects: list[tuple[str, Reject]] = field(default_factory=list)


def statements_url(endpoint: str) -> str:
    """The LRS's statements resource for an endpoint given with or without ``/statements``."""
    parsed = urllib.parse.urlsplit(endpoint)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise UsageError(
            f"{endpoint!r} is not an LRS endpoint",
            hint="give the xAPI endpoint, e.g. https://lrs.example.gov.vn/xapi/",
        )
    path = parsed.path.rstrip("/")
    if not path.endswith("/statements"):
        path += "/statements"
    return urllib.parse.urlunsplit((parsed.scheme, parsed.netloc, path, "", ""))


def last_stored(store: TrackingStore, endpoint: str) -> str | None:
    """Where the previous pull from ``endpoint`` stopped."""
    with store.reading() as conn:
        value = conn.execute(
            sa.select(lrs_pulls.c.last_stored).where(
                lrs_pulls.c.endpoint == statements_url(endpoint)
            )
        ).scalar_one_or_none()
    return str(value) if value is not None else None


def pull_statements(
    store: TrackingStore,
    endpoint: str,
    *,
    username: str | None = None,
    password: str | None = None,
    since: str | None = None,
    skip_bad: bool = False,
    timeout: float = 60.0,
    progress: Callable[[str, int, int], None] | None = None,
    now: int | None = None,
) -> PullResult:
    """Fetch every statement stored since the last pull (or ``since``) into ``store``.

    Raises :class:`MoocError` for HTTP and credential problems and, unless ``skip_bad``, for a
    malformed statement (its page is not stored; pages before it are).
    """
    resource = statements_url(endpoint)
    start = since or last_stored(store, endpoint)
    if since is not None:
        _check_since(since)
    query = {"ascending": "true"}
    if start:
        query["since"] = start
    url: str | None = resource + "?" + urllib.parse.urlencode(query)
    headers = {"X-Experience-API-Version": XAPI_VERSION, "Accept": "application/json"}
    if username is not None:
        token = base64.b64encode(f"{username}:{password or ''}".encode()).decode("ascii")
        headers["Authorization"] = f"Basic {token}"
    result = PullResult(resource, start)
    ctx = ReadContext(tz=store.timezone, now=now if now is not None else now_epoch())
    where = Path(urllib.parse.urlsplit(resource).path)
    while url:
        page = _get_json(url, headers, timeout)
        statements = page.get("statements")
        if not isinstance(statements, list):
            raise MoocError(
                f"the LRS answered {url} without a statements list",
                hint="check that the endpoint is the xAPI endpoint of the LRS",
            )
        result.pages += 1
        records: list[Record] = []
        newest: tuple[datetime, str] | None = None
        for index, statement in enumerate(statements):
            record = statement_record(statement, None, ctx)
            if isinstance(record, Reject):
                record = record._replace(message=f"statements[{index}]: {record.message}")
            records.append(record)
            stored = statement.get("stored") if isinstance(statement, dict) else None
            key = _stored_key(stored)
            if key is not None and (newest is None or key > newest[0]):
                newest = (key, str(stored))
        bad = [r for r in records if isinstance(r, Reject)]
        if bad and not skip_bad:
            raise MoocError(
                f"the LRS page {url} has {len(bad)} malformed statement(s); "
                f"{result.pages - 1} earlier page(s) were stored",
                [
                    Problem("pull-bad-statement", r.message, file=where, hint=r.hint)
                    for r in bad[:50]
                ],
                hint="give --skip-bad REJECTS.csv to store the other statements",
            )
        with store.writing() as conn:
            session = IngestSession(store, conn, resource, "xapi-pull", ctx.now)
            session.add(records, skip_bad=True)
            done = session.finish()
            if newest is not None:
                _save_position(conn, resource, newest[1], ctx.now)
        result.statements += len(statements)
        result.new += done.new
        result.duplicates += done.duplicates
        result.unmatched += done.unmatched
        result.rejects.extend((url, r) for r in bad)
        if newest is not None:
            result.last_stored = newest[1]
        if progress is not None:
            progress(f"page {result.pages}", result.statements, 0)
        more = page.get("more")
        url = urllib.parse.urljoin(resource, more) if isinstance(more, str) and more else None
    return result


def _check_since(value: str) -> None:
    if _stored_key(value) is None:
        raise UsageError(
            f"--since {value!r} is not a timestamp",
            hint="give an ISO 8601 time with its offset, e.g. 2025-01-01T00:00:00Z",
        )


def _stored_key(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def _save_position(conn: sa.Connection, resource: str, stored: str, now: int) -> None:
    current = conn.execute(
        sa.select(lrs_pulls.c.last_stored).where(lrs_pulls.c.endpoint == resource)
    ).scalar_one_or_none()
    if current is None:
        conn.execute(
            lrs_pulls.insert().values(endpoint=resource, last_stored=stored, pulled_at=now)
        )
        return
    old = _stored_key(current)
    new = _stored_key(stored)
    if old is None or (new is not None and new > old):
        conn.execute(
            lrs_pulls.update()
            .where(lrs_pulls.c.endpoint == resource)
            .values(last_stored=stored, pulled_at=now)
        )


def _get_json(url: str, headers: dict[str, str], timeout: float) -> dict[str, Any]:
    body = _fetch(url, headers, timeout)
    try:
        data = json.loads(body)
    except ValueError:
        raise MoocError(
            f"the LRS answered {url} with something that is not JSON",
            hint="check that the endpoint is the xAPI endpoint of the LRS",
        ) from None
    if not isinstance(data, dict):
        raise MoocError(f"the LRS answered {url} with JSON that is not a StatementResult")
    return data


def _fetch(url: str, headers: dict[str, str], timeout: float, attempts: int = 3) -> bytes:
    """GET ``url``; server errors and network failures are retried twice."""
    request = urllib.request.Request(url, headers=headers, method="GET")
    attempt = 0
    while True:
        attempt += 1
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                body: bytes = response.read()
                return body
        except urllib.error.HTTPError as exc:
            detail = exc.read(300).decode("utf-8", errors="replace").strip()
            exc.close()
            if exc.code in (401, 403):
                raise MoocError(
                    f"the LRS refused the credentials (HTTP {exc.code}) at {url}",
                    hint="check --username and --password (or MOOC_LRS_USERNAME/PASSWORD)",
                ) from None
            if exc.code < 500 or attempt >= attempts:
                raise MoocError(
                    f"the LRS answered HTTP {exc.code} to {url}"
                    + (f": {detail}" if detail else ""),
                    hint="check the endpoint and --since",
                ) from None
        except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
            if attempt >= attempts:
                reason = getattr(exc, "reason", exc)
                raise MoocError(
                    f"cannot reach the LRS at {url}: {reason}",
                    hint="check the endpoint URL and the network",
                ) from None
        time.sleep(attempt)
