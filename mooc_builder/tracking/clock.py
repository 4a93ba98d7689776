"""Instants, dates, time zones and reporting periods, as the tracking store understands them.

The store keeps every instant as whole seconds since the Unix epoch (UTC). Times written without
an offset (most CSV exports) are read in the store's time zone, which is also the zone in which a
report's as-of date ends and in which months are counted. Vietnam has kept UTC+07:00 without
daylight saving since 1975, so the default is that fixed offset.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_TIMEZONE = "+07:00"

_OFFSET = re.compile(r"^(?:UTC|GMT)?\s*([+-])(\d{1,2})(?::?(\d{2}))?$")
_DAY_FIRST = re.compile(
    r"^(\d{1,2})/(\d{1,2})/(\d{2}|\d{4})(?:,?\s+(\d{1,2}):(\d{2})(?::(\d{2}))?)?$"
)
_PERIOD = re.compile(r"^(\d{4})(?:-(H1|H2|h1|h2))?$")


def parse_timezone(text: str) -> tzinfo:
    """``+07:00``, ``UTC`` or an IANA name such as ``Asia/Ho_Chi_Minh`` -> a tzinfo.

    Raises ValueError with a readable message for anything else.
    """
    value = text.strip()
    if value.upper() in {"UTC", "Z", "GMT"}:
        return UTC
    match = _OFFSET.match(value)
    if match:
        sign, hours, minutes = match.groups()
        delta = timedelta(hours=int(hours), minutes=int(minutes or 0))
        if delta > timedelta(hours=14):
            raise ValueError(f"time zone offset {value!r} is out of range")
        return timezone(-delta if sign == "-" else delta)
    try:
        return ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(
            f"unknown time zone {value!r}; use an offset like +07:00 or a name like "
            "Asia/Ho_Chi_Minh"
        ) from exc


def parse_instant(text: str, tz: tzinfo) -> int:
    """An ISO 8601 or day-first (``15/03/2025 14:05``, Moodle's ``15/03/25, 14:05``) time.

    Returns epoch seconds. A value without an offset is read in ``tz``; a bare date means the
    start of that day. Raises ValueError naming the accepted forms.
    """
    value = text.strip()
    if not value:
        raise ValueError("the date is empty")
    moment: datetime | None = None
    if value[0].isdigit() and len(value) >= 10 and value[4] == "-":
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            moment = None
    if moment is None:
        match = _DAY_FIRST.match(value)
        if match:
            day, month, year, hour, minute, second = match.groups()
            full_year = int(year) + (2000 if len(year) == 2 else 0)
            try:
                moment = datetime(
                    full_year,
                    int(month),
                    int(day),
                    int(hour or 0),
                    int(minute or 0),
                    int(second or 0),
                )
            except ValueError:
                moment = None
    if moment is None:
        raise ValueError(
            f"{value!r} is not a date; write 2025-03-15, 2025-03-15T14:05:00+07:00 "
            "or 15/03/2025 14:05"
        )
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=tz)
    return int(moment.timestamp() // 1)


def parse_date(text: str) -> date:
    """``2025-06-30`` -> a date (ValueError otherwise)."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(
            f"{text!r} is not a date; write it as YYYY-MM-DD, e.g. 2025-06-30"
        ) from None


def period_end(period: str) -> date:
    """Last day of a reporting period: ``2025-H1`` -> 30 June, ``2025-H2``/``2025`` -> 31 Dec."""
    match = _PERIOD.match(period.strip())
    if not match:
        raise ValueError(
            f"{period!r} is not a period; write 2025-H1 (January–June), 2025-H2 or 2025 (the year)"
        )
    year = int(match.group(1))
    half = (match.group(2) or "").upper()
    return date(year, 6, 30) if half == "H1" else date(year, 12, 31)


def end_of_day(day: date, tz: tzinfo) -> int:
    """Epoch seconds of the first instant *after* ``day`` in ``tz`` (an exclusive cut-off)."""
    start_next = datetime.combine(day + timedelta(days=1), time(0, 0), tzinfo=tz)
    return int(start_next.timestamp())


def today(tz: tzinfo) -> date:
    """Today's date in ``tz``."""
    return datetime.now(tz).date()


def to_datetime(epoch: int, tz: tzinfo) -> datetime:
    """Epoch seconds -> an aware datetime in ``tz``."""
    return datetime.fromtimestamp(epoch, tz)


def month_of(epoch: int, tz: tzinfo) -> str:
    """``YYYY-MM`` of an instant in ``tz``."""
    return to_datetime(epoch, tz).strftime("%Y-%m")


def iso_date(epoch: int | None, tz: tzinfo) -> str:
    """``YYYY-MM-DD`` of an instant in ``tz`` (empty for None)."""
    return "" if epoch is None else to_datetime(epoch, tz).date().isoformat()


def format_timezone(tz: tzinfo) -> str:
    """A tzinfo back to the text stored in the database."""
    if isinstance(tz, ZoneInfo):
        return tz.key
    offset = tz.utcoffset(None)
    if offset is None or offset == timedelta(0):
        return "UTC"
    minutes = int(offset.total_seconds() // 60)
    sign = "-" if minutes < 0 else "+"
    minutes = abs(minutes)
    return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"
