"""Writing records into the store: one transaction per file (or per LRS page), idempotent.

The session interns actors and activity sets, inserts events keyed by their id with
``ON CONFLICT DO NOTHING`` (a repeated id counts once), keeps the per-(actor, kind, activity set)
first times up to date, and applies voids whichever order they arrive in: a voided id is kept
out of the first times when its statement arrives, and first times touched by a new void are
recomputed from the remaining events.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import repeat
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from mooc_builder.tracking.identity import ActorResolver
from mooc_builder.tracking.ingest.base import ActivityRef, Fact, FactBatch, Record, Reject, Void
from mooc_builder.tracking.store import (
    TrackingStore,
    activity_sets,
    actors,
    ingests,
    voids,
)

BATCH = 20000
"""Events per executemany."""
FIRSTS_FLUSH = 200000
"""Pending first-time keys kept in memory before they are written."""
_IN_CHUNK = 500


@dataclass
class IngestResult:
    """What one ingest (a file, or a pull) did."""

    source: str
    format: str
    records: int = 0
    """Facts and voids read without error."""
    new: int = 0
    """Events and voids not seen before."""
    duplicates: int = 0
    """Records whose id was already stored (they change nothing)."""
    voids: int = 0
    unmatched: int = 0
    """Facts whose person is not on the roster (kept; they count once the roster names them)."""
    unmatched_actors: int = 0
    """Distinct learners among them."""
    rejects: list[Reject] = field(default_factory=list)
    written: bool = True
    """False when the file was rejected and nothing was stored."""


class IngestSession:
    """Writes records inside one transaction that holds the store's writer lock."""

    def __init__(
        self, store: TrackingStore, conn: Connection, source: str, fmt: str, now: int
    ) -> None:
        self.store = store
        self.conn = conn
        self.result = IngestResult(source, fmt)
        self.failed = False
        p = store.placeholder
        self._insert_events = (
            "INSERT INTO events (event_id, actor, kind, aset, at, ingest) "
            f"VALUES ({p}, {p}, {p}, {p}, {p}, {p}) ON CONFLICT (event_id) DO NOTHING"
        )
        self._insert_void = (
            "INSERT INTO voids (target_id, voiding_id, ingest) "
            f"VALUES ({p}, {p}, {p}) ON CONFLICT (target_id) DO NOTHING"
        )
        self._upsert_first = (
            "INSERT INTO firsts (actor, kind, aset, first_at) "
            f"VALUES ({p}, {p}, {p}, {p}) ON CONFLICT (actor, kind, aset) DO UPDATE "
            "SET first_at = excluded.first_at WHERE excluded.first_at < firsts.first_at"
        )
        self._resolver = ActorResolver.load(conn)
        self._actor_ids: dict[str, int] = {}
        self._actor_matched: dict[int, bool] = {}
        for actor_id, key, person in conn.execute(
            sa.select(actors.c.id, actors.c.actor_key, actors.c.person_id)
        ):
            self._actor_ids[str(key)] = int(actor_id)
            self._actor_matched[int(actor_id)] = person is not None
        self._next_actor = max(self._actor_matched, default=0) + 1
        self._new_actors: list[dict[str, Any]] = []
        self._aset_ids: dict[ActivityRef, int] = {}
        for aset_id, ref_type, obj, context in conn.execute(
            sa.select(
                activity_sets.c.id,
                activity_sets.c.ref_type,
                activity_sets.c.object,
                activity_sets.c.context,
            )
        ):
            self._aset_ids[(str(ref_type), str(obj), tuple(context))] = int(aset_id)
        self._next_aset = max(self._aset_ids.values(), default=0) + 1
        self._new_asets: list[dict[str, Any]] = []
        self._voided: set[bytes] = set(conn.execute(sa.select(voids.c.target_id)).scalars())
        self._new_void_targets: list[bytes] = []
        self._unmatched_actors: set[int] = set()
        self._pending: list[Fact] = []
        self._firsts: dict[tuple[int, int, int], int] = {}
        self.ingest_id = (
            int(
                conn.execute(sa.select(sa.func.coalesce(sa.func.max(ingests.c.id), 0))).scalar_one()
            )
            + 1
        )
        conn.execute(
            ingests.insert().values(id=self.ingest_id, source=source, format=fmt, started_at=now)
        )

    # -- input ----------------------------------------------------------------------------------

    def add(self, records: Iterable[Record], *, skip_bad: bool) -> None:
        """Store ``records``; after the first reject (unless ``skip_bad``) only collect rejects."""
        pending = self._pending
        result = self.result
        for record in records:
            if type(record) is Fact:
                if self.failed:
                    continue
                pending.append(record)
                if len(pending) >= BATCH:
                    self._flush_events()
                    pending = self._pending
            elif type(record) is FactBatch:
                if not self.failed:
                    self._add_batch(record)
            elif type(record) is Void:
                if self.failed:
                    continue
                self._void(record)
            else:
                assert isinstance(record, Reject)
                result.rejects.append(record)
                if not skip_bad and not self.failed:
                    self.failed = True
                    self._pending = pending = []

    def finish(self) -> IngestResult:
        """Write what is pending, apply new voids, and record the ingest's figures."""
        result = self.result
        result.rejects.sort(key=lambda r: r.line or 0)
        if self.failed:
            result.written = False
            return result
        self._flush_events()
        self._flush_firsts()
        self._apply_new_voids()
        result.unmatched_actors = len(self._unmatched_actors)
        self.conn.execute(
            ingests.update()
            .where(ingests.c.id == self.ingest_id)
            .values(
                records=result.records,
                new=result.new,
                duplicates=result.duplicates,
                unmatched=result.unmatched,
                rejected=len(result.rejects),
            )
        )
        return result

    # -- events ---------------------------------------------------------------------------------

    def _actor(self, key: str) -> int:
        actor_id = self._actor_ids.get(key)
        if actor_id is None:
            actor_id = self._next_actor
            self._next_actor += 1
            person = self._resolver.resolve(key)
            self._actor_ids[key] = actor_id
            self._actor_matched[actor_id] = person is not None
            self._new_actors.append({"id": actor_id, "actor_key": key, "person_id": person})
        return actor_id

    def _aset(self, ref: ActivityRef) -> int:
        aset_id = self._aset_ids.get(ref)
        if aset_id is None:
            aset_id = self._next_aset
            self._next_aset += 1
            self._aset_ids[ref] = aset_id
            self._new_asets.append(
                {"id": aset_id, "ref_type": ref[0], "object": ref[1], "context": list(ref[2])}
            )
        return aset_id

    def _flush_events(self) -> None:
        facts = self._pending
        if not facts:
            return
        self._pending = []
        ingest = self.ingest_id
        actor_of = self._actor_ids.get
        matched = self._actor_matched
        aset_of = self._aset_ids.get
        rows: list[tuple[bytes, int, int, int, int, int]] = []
        unmatched = 0
        for fact in facts:
            actor_id = actor_of(fact.actor_key) or self._actor(fact.actor_key)
            if not matched[actor_id]:
                unmatched += 1
                self._unmatched_actors.add(actor_id)
            ref = fact.ref
            aset_id = 0 if ref is None else (aset_of(ref) or self._aset(ref))
            rows.append((fact.event_id, actor_id, fact.kind, aset_id, fact.at, ingest))
        self._store_rows(rows, unmatched)

    def _add_batch(self, batch: FactBatch) -> None:
        """Store a column batch (from parser processes): per distinct actor/activity work only."""
        actor_ids = [self._actor_ids.get(k) or self._actor(k) for k in batch.actor_keys]
        aset_ids = [
            0 if r is None else (self._aset_ids.get(r) or self._aset(r)) for r in batch.refs
        ]
        n = batch.size
        ids = batch.event_ids
        actor_col = [actor_ids[i] for i in batch.actor_index]
        rows = list(
            zip(
                [ids[i : i + 16] for i in range(0, 16 * n, 16)],
                actor_col,
                batch.kinds,
                [aset_ids[i] for i in batch.ref_index],
                batch.ats,
                repeat(self.ingest_id, n),
                strict=True,
            )
        )
        unmatched = 0
        matched = self._actor_matched
        for index, count in Counter(batch.actor_index).items():
            if not matched[actor_ids[index]]:
                unmatched += count
                self._unmatched_actors.add(actor_ids[index])
        for start in range(0, n, BATCH):
            part = rows[start : start + BATCH]
            self._store_rows(part, unmatched if start == 0 else 0)

    def _store_rows(
        self, rows: list[tuple[bytes, int, int, int, int, int]], unmatched: int
    ) -> None:
        """Insert events (a repeated id is ignored) and fold new ones into the first times."""
        if self._new_actors:
            self.conn.execute(actors.insert(), self._new_actors)
            self._new_actors = []
        if self._new_asets:
            self.conn.execute(activity_sets.insert(), self._new_asets)
            self._new_asets = []
        inserted = self.conn.exec_driver_sql(self._insert_events, rows).rowcount
        result = self.result
        result.records += len(rows)
        result.unmatched += unmatched
        result.new += inserted
        result.duplicates += len(rows) - inserted
        if inserted == len(rows):
            contributing: Sequence[tuple[bytes, int, int, int, int, int]] = rows
        elif inserted == 0:
            contributing = ()  # all stored before, and counted then
        else:
            contributing = self._stored_versions({r[0] for r in rows})
        firsts = self._firsts
        voided = self._voided
        for event_id, actor_id, kind, aset_id, at, _ in contributing:
            if voided and event_id in voided:
                continue
            key = (actor_id, kind, aset_id)
            old = firsts.get(key)
            if old is None or at < old:
                firsts[key] = at
        if len(firsts) >= FIRSTS_FLUSH:
            self._flush_firsts()

    def _stored_versions(self, ids: set[bytes]) -> list[tuple[bytes, int, int, int, int, int]]:
        """The stored form of events (a repeated id keeps its first version)."""
        out: list[tuple[bytes, int, int, int, int, int]] = []
        ordered = sorted(ids)
        for start in range(0, len(ordered), _IN_CHUNK):
            chunk = ordered[start : start + _IN_CHUNK]
            marks = ", ".join([self.store.placeholder] * len(chunk))
            out.extend(
                (bytes(r[0]), int(r[1]), int(r[2]), int(r[3]), int(r[4]), int(r[5]))
                for r in self.conn.exec_driver_sql(
                    "SELECT event_id, actor, kind, aset, at, ingest FROM events "
                    f"WHERE event_id IN ({marks})",
                    tuple(chunk),
                )
            )
        return out

    def _flush_firsts(self) -> None:
        if not self._firsts:
            return
        rows = [(a, k, s, at) for (a, k, s), at in self._firsts.items()]
        self._firsts = {}
        self.conn.exec_driver_sql(self._upsert_first, rows)

    # -- voids ----------------------------------------------------------------------------------

    def _void(self, void: Void) -> None:
        self.result.records += 1
        self.result.voids += 1
        inserted = self.conn.exec_driver_sql(
            self._insert_void, (void.target_id, void.voiding_id, self.ingest_id)
        ).rowcount
        if inserted:
            self.result.new += 1
        else:
            self.result.duplicates += 1
        if void.target_id not in self._voided:
            self._voided.add(void.target_id)
            self._new_void_targets.append(void.target_id)

    def _apply_new_voids(self) -> None:
        """Recompute the first times that a void arriving now may have changed."""
        targets = sorted(set(self._new_void_targets))
        self._new_void_targets = []
        if not targets:
            return
        p = self.store.placeholder
        keys: set[tuple[int, int, int]] = set()
        for start in range(0, len(targets), _IN_CHUNK):
            chunk = targets[start : start + _IN_CHUNK]
            marks = ", ".join([p] * len(chunk))
            for actor_id, kind, aset_id in self.conn.exec_driver_sql(
                f"SELECT actor, kind, aset FROM events WHERE event_id IN ({marks})", tuple(chunk)
            ):
                keys.add((int(actor_id), int(kind), int(aset_id)))
        if not keys:
            return
        actor_ids = sorted({k[0] for k in keys})
        fresh: dict[tuple[int, int, int], int] = {}
        for start in range(0, len(actor_ids), _IN_CHUNK):
            some = actor_ids[start : start + _IN_CHUNK]
            marks = ", ".join([p] * len(some))
            for actor_id, kind, aset_id, first in self.conn.exec_driver_sql(
                "SELECT e.actor, e.kind, e.aset, MIN(e.at) FROM events e "
                f"WHERE e.actor IN ({marks}) "
                "AND NOT EXISTS (SELECT 1 FROM voids v WHERE v.target_id = e.event_id) "
                "GROUP BY e.actor, e.kind, e.aset",
                tuple(some),
            ):
                key = (int(actor_id), int(kind), int(aset_id))
                if key in keys:
                    fresh[key] = int(first)
        params = sorted(keys)
        self.conn.exec_driver_sql(
            f"DELETE FROM firsts WHERE actor = {p} AND kind = {p} AND aset = {p}", params
        )
        if fresh:
            self.conn.exec_driver_sql(
                f"INSERT INTO firsts (actor, kind, aset, first_at) VALUES ({p}, {p}, {p}, {p})",
                [(*key, first) for key, first in sorted(fresh.items())],
            )


def now_epoch() -> int:
    """The current time in epoch seconds."""
    return int(time.time())
