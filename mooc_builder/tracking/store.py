"""The tracking store: one SQLAlchemy Core schema for SQLite (embedded) and PostgreSQL (shared).

What is kept, and why:

``people``
    The roster (the population that must be trained). A roster import replaces it.
``actors``
    Every way a log names a learner — ``pid:<person_id>``, ``mbox:<email>``, ``sha1:<mbox_sha1sum>``
    — interned to an integer, with the person it resolves to under the current roster (NULL when
    no one matches). A new roster re-resolves every actor, so statements that arrived before the
    person was on the roster start counting without re-ingesting anything.
``activity_sets``
    What an event was about, as written in the log (an xAPI object id with its context
    activities, a lesson id from an LMS CSV, an activity name from Moodle), interned to an
    integer. Logs are stored course-agnostic; a report maps activity sets to the lessons of its
    course.
``events``
    One row per fact (statement id or a content hash for CSV rows, actor, kind, activity set,
    time). The primary key makes ingest idempotent.
``voids``
    Voided statement ids, whichever arrives first: the voided statement or the voiding one.
``firsts``
    The first time of every (actor, kind, activity set), over events that are not voided. A
    report only needs first times (``min(at) <= as-of`` exactly when some event happened by
    then), so it reads this small table and never scans the logs. ``events`` has no index
    besides its key (an index costs half the ingest speed); a void that arrives after its
    statement triggers one scan to recompute the first times it touches.

Writers (ingest, roster import, pull) run one at a time: SQLite takes its write lock with
``BEGIN IMMEDIATE``, PostgreSQL a transaction-scoped advisory lock. Concurrent ingests therefore
queue up and nothing is lost. The schema is versioned (``schema_version``) and upgraded on open.
"""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import tzinfo
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy import event as sa_event
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError

from mooc_builder.errors import MoocError, UsageError
from mooc_builder.tracking.clock import DEFAULT_TIMEZONE, format_timezone, parse_timezone

DEFAULT_DB_URL: Final = "sqlite:///mooc-tracking.db"
"""Used when neither ``--db`` nor ``MOOC_TRACKING_DB`` is given."""

# Event kinds ---------------------------------------------------------------------------------
ENROLMENT: Final = 0
"""Enrolled (an enrolment CSV row, or an LMS report listing the person)."""
ACTIVITY: Final = 1
"""Did something in the course (any xAPI statement, an LMS row with a status)."""
COMPLETION: Final = 2
"""Completed (xAPI completed/passed/satisfied/waived, SCORM completed/passed, Moodle date)."""
ATTENDANCE: Final = 3
"""Attended in-person training."""

NO_ACTIVITY: Final = 0
"""Activity-set id of facts about the programme rather than an activity (enrolment, attendance)."""

_PG_LOCK_KEY: Final = 0x6D6F6F63  # "mooc"

metadata = sa.MetaData()

schema_version = sa.Table(
    "schema_version",
    metadata,
    sa.Column("version", sa.Integer, nullable=False),
)

settings = sa.Table(
    "settings",
    metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)

people = sa.Table(
    "people",
    metadata,
    sa.Column("person_id", sa.String(200), primary_key=True),
    sa.Column("full_name", sa.Text, nullable=False),
    sa.Column("email", sa.Text, nullable=True),
    sa.Column("group_id", sa.String(200), nullable=False),
    sa.Column("organization", sa.Text, nullable=False),
    sa.Column("province", sa.Text, nullable=False),
    sa.Column("extra", sa.JSON, nullable=True),
    sa.Column("source_row", sa.Integer, nullable=True),
)

actors = sa.Table(
    "actors",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("actor_key", sa.Text, nullable=False, unique=True),
    sa.Column("person_id", sa.String(200), nullable=True, index=True),
)

activity_sets = sa.Table(
    "activity_sets",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("ref_type", sa.String(16), nullable=False),
    sa.Column("object", sa.Text, nullable=False),
    sa.Column("context", sa.JSON, nullable=False),
)

events = sa.Table(
    "events",
    metadata,
    sa.Column("event_id", sa.LargeBinary(16), primary_key=True),
    sa.Column("actor", sa.Integer, nullable=False),
    sa.Column("kind", sa.SmallInteger, nullable=False),
    sa.Column("aset", sa.Integer, nullable=False),
    sa.Column("at", sa.BigInteger, nullable=False),
    sa.Column("ingest", sa.Integer, nullable=False),
    sqlite_with_rowid=False,
)

voids = sa.Table(
    "voids",
    metadata,
    sa.Column("target_id", sa.LargeBinary(16), primary_key=True),
    sa.Column("voiding_id", sa.LargeBinary(16), nullable=False),
    sa.Column("ingest", sa.Integer, nullable=False),
    sqlite_with_rowid=False,
)

firsts = sa.Table(
    "firsts",
    metadata,
    sa.Column("actor", sa.Integer, primary_key=True),
    sa.Column("kind", sa.SmallInteger, primary_key=True),
    sa.Column("aset", sa.Integer, primary_key=True),
    sa.Column("first_at", sa.BigInteger, nullable=False),
    sqlite_with_rowid=False,
)

ingests = sa.Table(
    "ingests",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("source", sa.Text, nullable=False),
    sa.Column("format", sa.String(32), nullable=False),
    sa.Column("started_at", sa.BigInteger, nullable=False),
    sa.Column("records", sa.Integer, nullable=False, server_default="0"),
    sa.Column("new", sa.Integer, nullable=False, server_default="0"),
    sa.Column("duplicates", sa.Integer, nullable=False, server_default="0"),
    sa.Column("unmatched", sa.Integer, nullable=False, server_default="0"),
    sa.Column("rejected", sa.Integer, nullable=False, server_default="0"),
)

lrs_pulls = sa.Table(
    "lrs_pulls",
    metadata,
    sa.Column("endpoint", sa.String(1000), primary_key=True),
    sa.Column("last_stored", sa.String(64), nullable=False),
    sa.Column("pulled_at", sa.BigInteger, nullable=False),
)


# Migrations ----------------------------------------------------------------------------------
# Each migration takes the schema from version N to N+1. They create tables from the definitions
# above; a later migration that alters a table must freeze the older definition it relies on.


def _migrate_1(conn: Connection) -> None:
    """Roster, actors, activity sets, events, voids, first times, ingest log, settings."""
    for table in (settings, people, actors, activity_sets, events, voids, firsts, ingests):
        table.create(conn, checkfirst=True)


def _migrate_2(conn: Connection) -> None:
    """Where each LRS pull stopped (``mooc track pull`` resumes from the last ``stored``)."""
    lrs_pulls.create(conn, checkfirst=True)


MIGRATIONS: Final[tuple[Callable[[Connection], None], ...]] = (_migrate_1, _migrate_2)
SCHEMA_VERSION: Final = len(MIGRATIONS)


@dataclass(frozen=True)
class StoreInfo:
    """What ``mooc track init`` reports."""

    url: str
    schema_version: int
    timezone: str
    people: int
    events: int


class TrackingStore:
    """An open tracking database. Use :func:`open_store`; close it (or use ``with``) when done."""

    def __init__(self, engine: Engine, display_url: str) -> None:
        self.engine = engine
        self.display_url = display_url
        self._settings: dict[str, str] | None = None

    # -- life cycle -----------------------------------------------------------------------------

    def __enter__(self) -> TrackingStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Release every pooled connection."""
        self.engine.dispose()

    @property
    def is_sqlite(self) -> bool:
        """True for the embedded SQLite store."""
        return self.engine.dialect.name == "sqlite"

    @property
    def placeholder(self) -> str:
        """The DB-API parameter marker of the driver (``?`` or ``%s``)."""
        return "?" if self.is_sqlite else "%s"

    # -- transactions ---------------------------------------------------------------------------

    @contextlib.contextmanager
    def writing(self) -> Iterator[Connection]:
        """A transaction holding the store's single writer lock; commits on success.

        Database failures (a lost connection, a full disk, a lock held too long) become a
        :class:`MoocError`; the transaction is rolled back and nothing is half-written.
        """
        with self._database_errors(), self._write_transaction() as conn:
            yield conn

    @contextlib.contextmanager
    def _write_transaction(self) -> Iterator[Connection]:
        with self.engine.connect() as conn:
            conn = conn.execution_options(mooc_write=True)
            with conn.begin():
                if not self.is_sqlite:
                    conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK_KEY})
                yield conn

    @contextlib.contextmanager
    def reading(self) -> Iterator[Connection]:
        """A read transaction (a consistent snapshot on both databases)."""
        with self._database_errors(), self.engine.connect() as conn:
            if not self.is_sqlite:
                conn = conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                yield conn

    @contextlib.contextmanager
    def _database_errors(self) -> Iterator[None]:
        try:
            yield
        except DBAPIError as exc:
            text = _first_line(exc.orig)
            busy = "locked" in text or "busy" in text
            raise MoocError(
                f"the tracking store {self.display_url} failed: {text}",
                hint="another program holds the store; try again when it has finished"
                if busy
                else "nothing was changed; check the database server and try again",
            ) from None

    # -- settings -------------------------------------------------------------------------------

    def settings(self) -> dict[str, str]:
        """Store-wide settings (time zone, pseudonym key)."""
        if self._settings is None:
            with self.reading() as conn:
                rows = conn.execute(sa.select(settings.c.key, settings.c.value)).all()
            self._settings = {str(k): str(v) for k, v in rows}
        return dict(self._settings)

    @property
    def timezone(self) -> tzinfo:
        """The zone for times written without an offset, as-of cut-offs and months."""
        return parse_timezone(self.settings().get("timezone", DEFAULT_TIMEZONE))

    @property
    def pseudonym_key(self) -> bytes:
        """The secret that makes pseudonyms stable within this store and hard to reverse."""
        return bytes.fromhex(self.settings()["pseudonym_key"])

    def info(self) -> StoreInfo:
        """Counts for ``mooc track init`` and diagnostics."""
        with self.reading() as conn:
            version = conn.execute(sa.select(schema_version.c.version)).scalar_one()
            n_people = conn.execute(sa.select(sa.func.count()).select_from(people)).scalar_one()
            n_events = conn.execute(sa.select(sa.func.count()).select_from(events)).scalar_one()
        return StoreInfo(
            url=self.display_url,
            schema_version=int(version),
            timezone=format_timezone(self.timezone),
            people=int(n_people),
            events=int(n_events),
        )

    def set_timezone(self, tz_text: str) -> None:
        """Change the store's time zone; refused once logs are stored (their times depend on it)."""
        try:
            tz = parse_timezone(tz_text)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
        text = format_timezone(tz)
        with self.writing() as conn:
            current = conn.execute(
                sa.select(settings.c.value).where(settings.c.key == "timezone")
            ).scalar_one_or_none()
            if current == text:
                return
            stored = conn.execute(sa.select(sa.func.count()).select_from(events)).scalar_one()
            if stored:
                raise UsageError(
                    f"the store already holds {stored} events read in time zone {current}",
                    hint="start a new store (another --db) to use a different time zone",
                )
            conn.execute(settings.update().where(settings.c.key == "timezone").values(value=text))
        self._settings = None


def resolve_db_url(url: str | None) -> str:
    """``--db`` or ``MOOC_TRACKING_DB`` or the default SQLite file."""
    return url or DEFAULT_DB_URL


def open_store(url: str | None = None, *, timezone: str | None = None) -> TrackingStore:
    """Open (creating and upgrading as needed) the store at ``url``.

    ``timezone`` is used only when the store is created. Raises :class:`MoocError` when the
    database cannot be reached, with the URL (password hidden) and what to check.
    """
    raw = resolve_db_url(url)
    try:
        parsed: URL = make_url(raw)
    except ArgumentError:
        raise UsageError(
            f"{raw!r} is not a database URL",
            hint="use sqlite:///FILE.db or postgresql+psycopg://USER@HOST:5432/DB",
        ) from None
    display = parsed.render_as_string(hide_password=True)
    tz_text = format_timezone(parse_timezone(timezone or DEFAULT_TIMEZONE))
    try:
        engine = _create_engine(parsed)
    except (NoSuchModuleError, ModuleNotFoundError) as exc:
        raise UsageError(
            f"no database driver for {display}: {exc}",
            hint="for PostgreSQL install mooc-builder[postgres] and use postgresql+psycopg://",
        ) from None
    store = TrackingStore(engine, display)
    try:
        _migrate(store, tz_text)
    except DBAPIError as exc:
        engine.dispose()
        raise MoocError(
            f"cannot open the tracking store {display}: {_first_line(exc.orig)}",
            hint="check the --db URL (or MOOC_TRACKING_DB), that the server runs and that "
            "you may write there",
        ) from None
    except MoocError:
        engine.dispose()
        raise
    return store


def _first_line(exc: BaseException | None) -> str:
    text = str(exc) if exc is not None else "unknown error"
    return text.strip().splitlines()[0] if text.strip() else type(exc).__name__


def _create_engine(url: URL) -> Engine:
    if url.get_backend_name() == "sqlite":
        engine = sa.create_engine(url, connect_args={"timeout": 120})
        memory = url.database in (None, "", ":memory:")

        @sa_event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.isolation_level = None  # we issue BEGIN ourselves (pysqlite recipe)
            cur = dbapi_conn.cursor()
            if not memory:
                cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA cache_size=-262144")
            cur.execute("PRAGMA temp_store=MEMORY")
            cur.close()

        @sa_event.listens_for(engine, "begin")
        def _on_begin(conn: Connection) -> None:
            write = conn.get_execution_options().get("mooc_write", False)
            conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

        return engine
    return sa.create_engine(url, pool_pre_ping=True)


def _migrate(store: TrackingStore, tz_text: str) -> None:
    with store._write_transaction() as conn:
        schema_version.create(conn, checkfirst=True)
        version = conn.execute(sa.select(schema_version.c.version)).scalar_one_or_none()
        if version is None:
            conn.execute(schema_version.insert().values(version=0))
            version = 0
        if version > SCHEMA_VERSION:
            raise MoocError(
                f"the store {store.display_url} has schema version {version}; this "
                f"mooc-builder knows up to {SCHEMA_VERSION}",
                hint="upgrade mooc-builder",
            )
        for number in range(version, SCHEMA_VERSION):
            MIGRATIONS[number](conn)
        if version != SCHEMA_VERSION:
            conn.execute(schema_version.update().values(version=SCHEMA_VERSION))
        present = set(conn.execute(sa.select(settings.c.key)).scalars())
        defaults = {"timezone": tz_text, "pseudonym_key": secrets.token_hex(32)}
        missing = [{"key": k, "value": v} for k, v in defaults.items() if k not in present]
        if missing:
            conn.execute(settings.insert(), missing)
