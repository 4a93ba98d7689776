"""How logs name learners, and how those names resolve to roster people.

Logs name a person by an *actor key*: ``pid:<person_id>`` (a roster id, or an xAPI
``account.name``), ``mbox:<email>`` (lower-cased: emails match case-insensitively) or
``sha1:<hex>`` (an xAPI ``mbox_sha1sum``). Other keys (``openid:…``) are stored but never match.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

import sqlalchemy as sa

from mooc_builder.text import nfc
from mooc_builder.tracking.store import people


def pid_key(person_id: str) -> str:
    """Actor key of a person id (roster ``person_id``, xAPI ``account.name``)."""
    return "pid:" + nfc(person_id).strip()


def email_key(email: str) -> str:
    """Actor key of an email address, matched case-insensitively."""
    address = nfc(email).strip()
    if address[:7].lower() == "mailto:":
        address = address[7:]
    return "mbox:" + address.lower()


def sha1_key(digest: str) -> str:
    """Actor key of an xAPI ``mbox_sha1sum``."""
    return "sha1:" + digest.strip().lower()


def mbox_sha1sums(email: str) -> set[str]:
    """The ``mbox_sha1sum`` values a roster email may appear as (as written and lower-cased)."""
    address = nfc(email).strip()
    return {
        hashlib.sha1(f"mailto:{form}".encode()).hexdigest() for form in (address, address.lower())
    }


class ActorResolver:
    """Maps actor keys to roster person ids."""

    def __init__(self, rows: Iterable[tuple[str, str | None]]) -> None:
        self.by_pid: set[str] = set()
        self.by_email: dict[str, str] = {}
        self.by_sha1: dict[str, str] = {}
        for person_id, email in rows:
            self.by_pid.add(person_id)
            if email:
                self.by_email[email.lower()] = person_id
                for digest in mbox_sha1sums(email):
                    self.by_sha1[digest] = person_id

    @classmethod
    def load(cls, conn: sa.Connection) -> ActorResolver:
        """The resolver of the roster stored in ``conn``'s database."""
        rows = conn.execute(sa.select(people.c.person_id, people.c.email)).all()
        return cls((str(r[0]), r[1]) for r in rows)

    def resolve(self, key: str) -> str | None:
        """The person an actor key names, or None."""
        kind, _, value = key.partition(":")
        if kind == "pid":
            return value if value in self.by_pid else None
        if kind == "mbox":
            return self.by_email.get(value)
        if kind == "sha1":
            return self.by_sha1.get(value)
        return None
