"""Small builders for hand-written tracking cases."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from mooc_builder.tracking import TrackingStore
from tests.tracking.population import COURSE_IRI, LESSONS, VERB

ROSTER = (
    "person_id,full_name,email,group,organization,province\n"
    "P1,Nguyễn Văn An,an@example.gov.vn,human-rights-officials,Sở Tư pháp,Thừa Thiên Huế\n"
    "P2,Trần Thị Bình,binh@example.gov.vn,info-comm-managers,Sở TT&TT,Bà Rịa – Vũng Tàu\n"
    "P3,Lê Văn Cường,cuong@example.gov.vn,foreign-press,Báo Nhân Dân,Hà Nội\n"
    "P4,Phạm Thị Dung,dung@example.gov.vn,socio-political-orgs,Hội Phụ nữ,Hà Nội\n"
)


def sid(n: int) -> str:
    """A readable, valid statement id."""
    return str(uuid.UUID(int=n, version=4))


def statement(
    n: int,
    email: str,
    verb: str,
    lesson: str | None,
    timestamp: str,
    **extra: Any,
) -> dict[str, Any]:
    """Statement ``n`` by ``email``: ``verb`` (short name or IRI) on a lesson (or the course)."""
    return {
        "id": sid(n),
        "actor": {"objectType": "Agent", "mbox": f"mailto:{email}"},
        "verb": {"id": verb if "://" in verb else VERB + verb},
        "object": {
            "objectType": "Activity",
            "id": f"{COURSE_IRI}/{lesson}" if lesson else COURSE_IRI,
        },
        "timestamp": timestamp,
        **extra,
    }


def completed_all(start: int, email: str, timestamp: str) -> list[dict[str, Any]]:
    """Completions of every lesson."""
    return [
        statement(start + i, email, "completed", lesson, timestamp)
        for i, lesson in enumerate(LESSONS)
    ]


def void(n: int, target: int) -> dict[str, Any]:
    """Statement ``n`` voids statement ``target``."""
    return {
        "id": sid(n),
        "actor": {"mbox": "mailto:admin@example.gov.vn"},
        "verb": {"id": VERB + "voided"},
        "object": {"objectType": "StatementRef", "id": sid(target)},
        "timestamp": "2025-01-01T00:00:00Z",
    }


def write_ndjson(path: Path, items: Iterable[dict[str, Any]]) -> Path:
    """One statement per line."""
    path.write_text(
        "".join(json.dumps(i, ensure_ascii=False) + "\n" for i in items), encoding="utf-8"
    )
    return path


def write_text(path: Path, text: str) -> Path:
    """UTF-8 text."""
    path.write_text(text, encoding="utf-8")
    return path


def table_counts(store: TrackingStore) -> dict[str, int]:
    """Row counts of the tables a repeated ingest must leave alone."""
    with store.reading() as conn:
        return {
            name: int(conn.execute(sa.text(f"SELECT count(*) FROM {name}")).scalar_one())
            for name in ("events", "voids", "firsts", "actors", "activity_sets", "people")
        }


def firsts_rows(store: TrackingStore) -> list[tuple[Any, ...]]:
    """The first-times table, sorted."""
    with store.reading() as conn:
        return sorted(
            tuple(r)
            for r in conn.execute(sa.text("SELECT actor, kind, aset, first_at FROM firsts"))
        )
