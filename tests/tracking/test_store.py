"""The store: versioned schema that upgrades itself, settings, clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from mooc_builder.errors import MoocError, UsageError
from mooc_builder.tracking import open_store
from mooc_builder.tracking.store import (
    MIGRATIONS,
    SCHEMA_VERSION,
    lrs_pulls,
    schema_version,
    settings,
)


def test_new_store_is_at_the_latest_version(db_url: str) -> None:
    with open_store(db_url) as store:
        info = store.info()
    assert info.schema_version == SCHEMA_VERSION == len(MIGRATIONS)
    assert info.timezone == "+07:00"
    assert (info.people, info.events) == (0, 0)


def test_old_schema_upgrades_on_open(db_url: str) -> None:
    engine = sa.create_engine(db_url)
    with engine.begin() as conn:
        schema_version.create(conn)
        conn.execute(schema_version.insert().values(version=1))
        MIGRATIONS[0](conn)
        assert not sa.inspect(conn).has_table("lrs_pulls")
    engine.dispose()
    with open_store(db_url) as store, store.reading() as conn:
        assert conn.execute(sa.select(schema_version.c.version)).scalar_one() == SCHEMA_VERSION
        assert conn.execute(sa.select(sa.func.count()).select_from(lrs_pulls)).scalar_one() == 0
        keys = set(conn.execute(sa.select(settings.c.key)).scalars())
    assert keys == {"timezone", "pseudonym_key"}


def test_newer_schema_is_refused(db_url: str) -> None:
    with open_store(db_url) as store, store.writing() as conn:
        conn.execute(schema_version.update().values(version=SCHEMA_VERSION + 1))
    with pytest.raises(MoocError, match="upgrade mooc-builder"):
        open_store(db_url)


def test_reopening_keeps_settings(db_url: str) -> None:
    with open_store(db_url, timezone="Asia/Ho_Chi_Minh") as store:
        key = store.pseudonym_key
        assert store.info().timezone == "Asia/Ho_Chi_Minh"
    with open_store(db_url, timezone="UTC") as store:
        assert store.pseudonym_key == key
        assert store.info().timezone == "Asia/Ho_Chi_Minh"


def test_timezone_can_change_only_while_empty(db_url: str, tmp_path: Path) -> None:
    with open_store(db_url) as store:
        store.set_timezone("UTC")
        assert store.info().timezone == "UTC"
        with pytest.raises(UsageError, match="unknown time zone"):
            store.set_timezone("Mars/Olympus")
        from mooc_builder.tracking import ingest_file

        csv = tmp_path / "e.csv"
        csv.write_text("person_id,enrolled_at\nP1,2025-01-01\n", encoding="utf-8")
        ingest_file(store, csv)
        with pytest.raises(UsageError, match="already holds 1 events"):
            store.set_timezone("+07:00")


def test_unreachable_server_is_a_clear_error() -> None:
    with pytest.raises(MoocError) as caught:
        open_store("postgresql+psycopg://mooc:secret@127.0.0.1:1/none")
    text = str(caught.value)
    assert "cannot open the tracking store postgresql+psycopg://mooc:***@127.0.0.1:1/none" in text
    assert "secret" not in text
    assert "MOOC_TRACKING_DB" in text


def test_bad_urls_are_usage_errors() -> None:
    with pytest.raises(UsageError, match="not a database URL"):
        open_store("mooc.db")
    with pytest.raises(UsageError, match="no database driver"):
        open_store("oracle+nodriver://x/y")


def test_database_failures_become_messages(db_url: str, tmp_path: Path) -> None:
    from mooc_builder.tracking import ingest_file

    with open_store(db_url) as store:
        with store.writing() as conn:
            conn.exec_driver_sql("DROP TABLE events")
        csv = tmp_path / "e.csv"
        csv.write_text("person_id,enrolled_at\nP1,2025-01-01\n", encoding="utf-8")
        with pytest.raises(MoocError) as caught:
            ingest_file(store, csv)
    assert "failed" in str(caught.value)
    assert "events" in str(caught.value)
    assert "nothing was changed" in str(caught.value)
