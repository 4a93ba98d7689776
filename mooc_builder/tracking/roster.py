"""The roster: who must be trained. CSV or XLSX with ``person_id, full_name, email, group,
organization, province`` (other columns are kept with the person and otherwise ignored).

``person_id`` must be unique, and so must a non-empty ``email`` (it is how logs name people);
``group`` must be a group of targets.yaml (its id, or its name in any language). Importing a
roster replaces the previous one in one transaction, and re-resolves every learner the logs have
named, so statements read before a person was on the roster count as soon as they are.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from mooc_builder.errors import MoocError, Problem, UsageError
from mooc_builder.tracking.identity import ActorResolver
from mooc_builder.tracking.ingest.tabular import Table, TableError, read_csv, read_xlsx
from mooc_builder.tracking.store import TrackingStore, actors, people
from mooc_builder.tracking.targets import Targets

ROSTER_COLUMNS = ("person_id", "full_name", "email", "group", "organization", "province")
_ALIASES = {"organisation": "organization", "group_id": "group", "name": "full_name"}
MAX_PROBLEMS = 50


@dataclass(frozen=True)
class RosterPerson:
    """One person of the population."""

    person_id: str
    full_name: str
    email: str
    group: str
    organization: str
    province: str
    extra: Mapping[str, str]
    row: int


@dataclass(frozen=True)
class RosterImport:
    """What a roster import did."""

    file: Path
    people: int
    groups: Mapping[str, int]
    previous: int
    matched_actors: int


def read_roster(path: str | Path, targets: Targets) -> list[RosterPerson]:
    """Read and check a roster file; raises :class:`MoocError` listing every bad row."""
    file = Path(path)
    if not file.is_file():
        raise UsageError(f"no roster file at {file.as_posix()}")
    try:
        table = read_xlsx(file) if file.suffix.lower() in (".xlsx", ".xlsm") else read_csv(file)
    except TableError as exc:
        raise MoocError(
            f"{file.name} cannot be read",
            [Problem("roster-unreadable", exc.message, file=file, line=exc.line, hint=exc.hint)],
        ) from None
    header = tuple(_ALIASES.get(h, h) for h in table.header)
    table = Table(header, table.raw_header, table.rows, table.size)
    missing = [c for c in ROSTER_COLUMNS if c not in header]
    if missing:
        raise MoocError(
            f"{file.name} is not a roster",
            [
                Problem(
                    "roster-columns",
                    f"missing column{'s' if len(missing) > 1 else ''}: {', '.join(missing)}",
                    file=file,
                    line=1,
                    hint=f"a roster has the columns {', '.join(ROSTER_COLUMNS)}",
                )
            ],
        )
    problems: list[Problem] = []
    out: list[RosterPerson] = []
    seen_ids: dict[str, int] = {}
    seen_emails: dict[str, int] = {}
    known = ", ".join(g.id for g in targets.groups)
    position = {name: header.index(name) for name in ROSTER_COLUMNS}
    extra_columns = [(i, table.raw_header[i]) for i, h in enumerate(header) if h not in position]

    def bad(row: int, message: str, hint: str | None = None) -> None:
        problems.append(Problem("roster-row", message, file=file, line=row, hint=hint))

    try:
        for row, cells in table.rows:
            values = {name: cells[i] for name, i in position.items()}
            person_id = values["person_id"]
            if not person_id:
                bad(row, "person_id is empty", "give every person a unique id")
                continue
            if person_id in seen_ids:
                bad(
                    row,
                    f"person_id {person_id!r} is already used at line {seen_ids[person_id]}",
                    "person_id must be unique",
                )
                continue
            seen_ids[person_id] = row
            if not values["full_name"]:
                bad(row, f"full_name is empty for {person_id}")
            email = values["email"]
            if email:
                if "@" not in email or " " in email:
                    bad(row, f"{email!r} is not an email address", "leave it empty if unknown")
                elif email.lower() in seen_emails:
                    bad(
                        row,
                        f"email {email!r} is already used at line {seen_emails[email.lower()]}",
                        "each email must belong to one person (logs name people by email)",
                    )
                else:
                    seen_emails[email.lower()] = row
            group = targets.resolve_group(values["group"]) if values["group"] else None
            if group is None:
                bad(
                    row,
                    f"unknown group {values['group']!r}" if values["group"] else "group is empty",
                    f"use one of the groups of {targets.file.name}: {known}",
                )
                continue
            out.append(
                RosterPerson(
                    person_id=person_id,
                    full_name=values["full_name"],
                    email=email,
                    group=group,
                    organization=values["organization"],
                    province=values["province"],
                    extra={name: cells[i] for i, name in extra_columns if cells[i]},
                    row=row,
                )
            )
    except TableError as exc:
        problems.append(
            Problem("roster-unreadable", exc.message, file=file, line=exc.line, hint=exc.hint)
        )
    if problems:
        shown = problems[:MAX_PROBLEMS]
        if len(problems) > MAX_PROBLEMS:
            shown.append(
                Problem("roster-row", f"… and {len(problems) - MAX_PROBLEMS} more", file=file)
            )
        raise MoocError(f"{file.name}: {len(problems)} bad rows; nothing was imported", shown)
    if not out:
        raise MoocError(
            f"{file.name} lists no one",
            [Problem("roster-empty", "the roster has no rows", file=file, line=2)],
        )
    return out


def import_roster(store: TrackingStore, path: str | Path, targets: Targets) -> RosterImport:
    """Replace the stored roster with ``path`` (all or nothing) and re-resolve every actor."""
    roster = read_roster(path, targets)
    with store.writing() as conn:
        previous = conn.execute(sa.select(sa.func.count()).select_from(people)).scalar_one()
        conn.execute(people.delete())
        conn.execute(
            people.insert(),
            [
                {
                    "person_id": p.person_id,
                    "full_name": p.full_name,
                    "email": p.email or None,
                    "group_id": p.group,
                    "organization": p.organization,
                    "province": p.province,
                    "extra": dict(p.extra) or None,
                    "source_row": p.row,
                }
                for p in roster
            ],
        )
        matched = relink_actors(conn, ActorResolver((p.person_id, p.email) for p in roster))
    groups: dict[str, int] = {g.id: 0 for g in targets.groups}
    for person in roster:
        groups[person.group] += 1
    return RosterImport(Path(path), len(roster), groups, int(previous), matched)


def relink_actors(conn: sa.Connection, resolver: ActorResolver) -> int:
    """Point every stored actor at its person under ``resolver``; returns how many match."""
    rows = conn.execute(sa.select(actors.c.id, actors.c.actor_key, actors.c.person_id)).all()
    changes: list[dict[str, Any]] = []
    matched = 0
    for actor_id, key, current in rows:
        person = resolver.resolve(str(key))
        matched += person is not None
        if person != current:
            changes.append({"b_id": actor_id, "person_id": person})
    if changes:
        conn.execute(
            actors.update().where(actors.c.id == sa.bindparam("b_id")),
            changes,
        )
    return matched
