"""Fixtures for tracking tests: a course, targets, and a store on SQLite and on PostgreSQL.

PostgreSQL tests run against the server at 127.0.0.1:5432 (override with
``MOOC_TEST_POSTGRES_URL``); each test gets its own schema, dropped afterwards. They fail, not
skip, when the server cannot be reached.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from mooc_builder.tracking import TrackingStore, open_store
from tests.tracking.population import write_course, write_targets

POSTGRES_URL = os.environ.get(
    "MOOC_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


@pytest.fixture
def course_file(tmp_path: Path) -> Path:
    """A course.yaml with the three lessons of the human-rights course (ids only, no media)."""
    return write_course(tmp_path / "course")


@pytest.fixture
def targets_file(tmp_path: Path, course_file: Path) -> Path:
    """targets.yaml with the programme's four groups; in-person training counts."""
    return write_targets(tmp_path / "targets.yaml", course_file)


def _ensure_database(url: str) -> None:
    """Create the test database when the server runs but the database does not exist yet."""
    target = sa.make_url(url)
    engine = sa.create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            exists = conn.exec_driver_sql(
                "SELECT 1 FROM pg_database WHERE datname = %s", (target.database,)
            ).first()
            if not exists:
                with contextlib.suppress(sa.exc.ProgrammingError):  # created meanwhile
                    conn.exec_driver_sql(f'CREATE DATABASE "{target.database}"')
    finally:
        engine.dispose()


class PostgresSchema:
    """A schema of its own in the test database, reachable through a URL."""

    def __init__(self) -> None:
        self.name = "mooc_t_" + uuid.uuid4().hex[:12]
        self.admin = sa.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
        try:
            _ensure_database(POSTGRES_URL)
            with self.admin.connect() as conn:
                conn.exec_driver_sql(f"CREATE SCHEMA {self.name}")
        except sa.exc.OperationalError as exc:
            self.admin.dispose()
            pytest.fail(
                f"PostgreSQL is unreachable at {POSTGRES_URL}: {str(exc.orig).strip()} — "
                "start the server (CI runs it on 127.0.0.1:5432) or deselect: -m 'not postgres'",
                pytrace=False,
            )
        self.url = f"{POSTGRES_URL}?options=-csearch_path%3D{self.name}"

    def drop(self) -> None:
        """Remove the schema and everything in it."""
        with self.admin.connect() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA IF EXISTS {self.name} CASCADE")
        self.admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database URL: a SQLite file, or a PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'tracking.db'}"
        return
    schema = PostgresSchema()
    try:
        yield schema.url
    finally:
        schema.drop()


@pytest.fixture
def store(db_url: str) -> Iterator[TrackingStore]:
    """An open store on :func:`db_url`."""
    with open_store(db_url) as opened:
        yield opened
