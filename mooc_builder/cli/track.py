"""``mooc track``: the trainers' commands (store, roster, logs, reports, people to chase)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import click

from mooc_builder.cli import progress_bar, reports_errors
from mooc_builder.errors import MoocError, UsageError
from mooc_builder.tracking.clock import parse_date, period_end
from mooc_builder.tracking.export import (
    PEOPLE_FORMATS,
    REPORT_FORMATS,
    pseudonymise,
    render_people,
    render_rejects,
    render_report,
    write_atomic,
)
from mooc_builder.tracking.ingest import READERS, IngestResult, ingest_file
from mooc_builder.tracking.ingest.base import Reject
from mooc_builder.tracking.lrs import pull_statements
from mooc_builder.tracking.report import (
    ENROLLED,
    IN_PROGRESS,
    NOT_ENROLLED,
    TRAINED,
    CoverageReport,
    build_report,
)
from mooc_builder.tracking.roster import import_roster
from mooc_builder.tracking.store import DEFAULT_DB_URL, TrackingStore, open_store
from mooc_builder.tracking.targets import load_targets

F = TypeVar("F", bound=Callable[..., Any])

STATUS_CHOICES = ("not-trained", "in-progress", "trained", "enrolled", "not-enrolled")


@dataclass
class _Options:
    db: str | None

    def store(self) -> TrackingStore:
        return open_store(self.db)


targets_option = click.option(
    "--targets",
    "targets_path",
    required=True,
    envvar="MOOC_TRACKING_TARGETS",
    type=click.Path(path_type=Path),
    help="The programme's targets.yaml (env MOOC_TRACKING_TARGETS).",
)
as_of_option = click.option(
    "--as-of", "as_of", metavar="DATE", help="Count events up to the end of DATE (YYYY-MM-DD)."
)
period_option = click.option(
    "--period",
    metavar="PERIOD",
    help="2025-H1 (up to 30 June), 2025-H2 or 2025 (up to 31 December).",
)
pseudo_option = click.option(
    "--pseudonymise", "pseudo", is_flag=True, help="Replace names and emails with stable hashes."
)


def skip_bad_option(what: str) -> Callable[[F], F]:
    """``--skip-bad REJECTS.csv``: keep the good ``what`` and write the rejects to a file."""
    return click.option(
        "--skip-bad",
        "rejects_file",
        type=click.Path(path_type=Path),
        metavar="REJECTS.csv",
        help=f"Store the good {what} and write the bad ones to REJECTS.csv.",
    )


output_option = click.option(
    "-o", "--output", type=click.Path(path_type=Path), help="Write to FILE (atomically)."
)


@click.group()
@click.option(
    "--db",
    envvar="MOOC_TRACKING_DB",
    metavar="URL",
    help=f"Tracking database (env MOOC_TRACKING_DB; default {DEFAULT_DB_URL}); "
    "postgresql+psycopg://USER@HOST/DB for a shared server.",
)
@click.pass_context
def track(ctx: click.Context, db: str | None) -> None:
    """Track enrolment and completion against the training target.

    \b
    mooc track init
    mooc track roster import roster.csv --targets targets.yaml
    mooc track ingest statements.ndjson moodle-completion.csv attendance.csv
    mooc track report --targets targets.yaml --period 2025-H1 --format html -o report.html
    mooc track people --targets targets.yaml --status not-trained --format csv
    """
    ctx.obj = _Options(db)


@track.command()
@click.option("--timezone", help="Zone of times written without an offset (default +07:00).")
@click.pass_obj
@reports_errors
def init(opts: _Options, timezone: str | None) -> None:
    """Create the tracking store (or upgrade its schema) and show what it holds."""
    with opts.store() as store:
        if timezone:
            store.set_timezone(timezone)
        info = store.info()
    click.echo(
        f"{info.url}: schema version {info.schema_version}, time zone {info.timezone}, "
        f"{info.people} people on the roster, {info.events} events"
    )


@track.group()
def roster() -> None:
    """The population that must be trained."""


@roster.command("import")
@click.argument("file", type=click.Path(path_type=Path))
@targets_option
@click.pass_obj
@reports_errors
def roster_import(opts: _Options, file: Path, targets_path: Path) -> None:
    """Replace the roster with FILE (CSV or XLSX: person_id, full_name, email, group,
    organization, province)."""
    targets = load_targets(targets_path)
    with opts.store() as store:
        done = import_roster(store, file, targets)
    groups = ", ".join(f"{g} {n}" for g, n in done.groups.items())
    click.echo(
        f"{file.name}: {done.people} people ({groups}); replaced {done.previous}; "
        f"{done.matched_actors} learners in stored logs match the roster"
    )


@track.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--format", "fmt", type=click.Choice(list(READERS)), help="Force the format of every FILE."
)
@skip_bad_option("rows")
@click.pass_obj
@reports_errors
def ingest(
    opts: _Options, files: tuple[Path, ...], fmt: str | None, rejects_file: Path | None
) -> None:
    """Read log files into the store (format detected; each file all or nothing)."""
    errors: list[MoocError] = []
    rejects: list[tuple[str, Reject]] = []
    with opts.store() as store:
        for file in files:
            try:
                with progress_bar(f"Reading {file.name}") as progress:
                    result = ingest_file(
                        store, file, fmt=fmt, skip_bad=rejects_file is not None, progress=progress
                    )
            except MoocError as exc:
                errors.append(exc)
                continue
            click.echo(_ingest_line(result))
            rejects.extend((str(file), r) for r in result.rejects)
    if rejects_file is not None and rejects:
        write_atomic(rejects_file, render_rejects(rejects))
        click.echo(f"{len(rejects)} bad rows written to {rejects_file}")
    _raise_all(errors)


def _ingest_line(r: IngestResult) -> str:
    text = (
        f"{r.source} ({r.format}): {r.records} records, {r.new} new, {r.duplicates} already stored"
    )
    if r.voids:
        text += f", {r.voids} voids"
    if r.unmatched:
        text += f"; {r.unmatched} from {r.unmatched_actors} learners not on the roster"
    if r.rejects:
        text += f"; {len(r.rejects)} bad rows skipped"
    return text


def _raise_all(errors: list[MoocError]) -> None:
    if not errors:
        return
    if len(errors) == 1:
        raise errors[0]
    problems = [p for e in errors for p in e.problems]
    for e in errors:
        click.secho(f"error: {e}", fg="red", err=True)
    raise MoocError(f"{len(errors)} files were not stored", problems)


@track.command()
@click.option("--endpoint", required=True, envvar="MOOC_LRS_ENDPOINT", help="xAPI endpoint URL.")
@click.option(
    "--username", envvar="MOOC_LRS_USERNAME", help="Basic auth user (env MOOC_LRS_USERNAME)."
)
@click.option(
    "--password", envvar="MOOC_LRS_PASSWORD", help="Basic auth password (env MOOC_LRS_PASSWORD)."
)
@click.option("--since", help="Fetch statements stored after this time instead of resuming.")
@skip_bad_option("statements")
@click.pass_obj
@reports_errors
def pull(
    opts: _Options,
    endpoint: str,
    username: str | None,
    password: str | None,
    since: str | None,
    rejects_file: Path | None,
) -> None:
    """Fetch new statements from an LRS (resumes from the last `stored` seen)."""

    def show(item: str, done: int, _total: int) -> None:
        if sys.stderr.isatty():
            click.echo(f"\r{item}: {done} statements", nl=False, err=True)

    with opts.store() as store:
        result = pull_statements(
            store,
            endpoint,
            username=username,
            password=password,
            since=since,
            skip_bad=rejects_file is not None,
            progress=show,
        )
    if sys.stderr.isatty() and result.pages:
        click.echo(err=True)
    click.echo(
        f"{result.endpoint}: {result.pages} pages, {result.statements} statements, "
        f"{result.new} new, {result.duplicates} already stored"
        + (f", {result.unmatched} from learners not on the roster" if result.unmatched else "")
        + (f"; next pull resumes after {result.last_stored}" if result.last_stored else "")
    )
    if rejects_file is not None and result.rejects:
        write_atomic(rejects_file, render_rejects(result.rejects))
        click.echo(f"{len(result.rejects)} bad statements written to {rejects_file}")


def _as_of(as_of: str | None, period: str | None) -> date | None:
    if as_of and period:
        raise UsageError("give --as-of or --period, not both")
    try:
        if as_of:
            return parse_date(as_of)
        if period:
            return period_end(period)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    return None


def _report(
    opts: _Options, targets_path: Path, as_of: str | None, period: str | None, lang: str | None
) -> tuple[CoverageReport, bytes]:
    targets = load_targets(targets_path)
    day = _as_of(as_of, period)
    with opts.store() as store:
        report = build_report(store, targets, as_of=day, language=lang)
        key = store.pseudonym_key
    return report, key


def _emit(data: bytes, output: Path | None, fmt: str) -> None:
    if output is not None:
        write_atomic(output, data)
        click.echo(f"wrote {output}", err=True)
        return
    if fmt == "xlsx":
        raise UsageError("an XLSX report needs -o FILE.xlsx")
    click.echo(data, nl=False)  # bytes go to the binary stdout unchanged


@track.command()
@targets_option
@as_of_option
@period_option
@click.option(
    "--format", "fmt", type=click.Choice(REPORT_FORMATS), default="text", show_default=True
)
@click.option(
    "--lang",
    type=click.Choice(["vi", "en"]),
    help="Report language (default: targets.yaml's, else vi).",
)
@pseudo_option
@output_option
@click.pass_obj
@reports_errors
def report(
    opts: _Options,
    targets_path: Path,
    as_of: str | None,
    period: str | None,
    fmt: str,
    lang: str | None,
    pseudo: bool,
    output: Path | None,
) -> None:
    """Coverage per group, province and organisation against the targets."""
    if fmt == "xlsx" and output is None:
        raise UsageError("an XLSX report needs -o FILE.xlsx")
    result, key = _report(opts, targets_path, as_of, period, lang)
    if pseudo:
        result = replace(result, people=tuple(pseudonymise(result.people, key)))
    _emit(render_report(result, fmt), output, fmt)


@track.command()
@targets_option
@click.option("--status", type=click.Choice(STATUS_CHOICES), required=True)
@click.option("--group", help="Only this group (its id).")
@click.option("--province", help="Only this province.")
@click.option("--organization", help="Only this organisation.")
@as_of_option
@period_option
@click.option(
    "--format", "fmt", type=click.Choice(PEOPLE_FORMATS), default="csv", show_default=True
)
@pseudo_option
@output_option
@click.pass_obj
@reports_errors
def people(
    opts: _Options,
    targets_path: Path,
    status: str,
    group: str | None,
    province: str | None,
    organization: str | None,
    as_of: str | None,
    period: str | None,
    fmt: str,
    pseudo: bool,
    output: Path | None,
) -> None:
    """Who to chase: people with a status, optionally in one group or province."""
    result, key = _report(opts, targets_path, as_of, period, None)
    if group is not None and group not in {g.group for g in result.groups}:
        raise UsageError(
            f"unknown group {group!r}",
            hint=f"use one of {', '.join(g.group for g in result.groups)}",
        )
    wanted = {
        "not-trained": {NOT_ENROLLED, ENROLLED, IN_PROGRESS},
        "in-progress": {IN_PROGRESS},
        "trained": {TRAINED},
        "enrolled": {ENROLLED, IN_PROGRESS, TRAINED},
        "not-enrolled": {NOT_ENROLLED},
    }[status]
    chosen = [
        p
        for p in result.people
        if p.status in wanted
        and (group is None or p.group == group)
        and (province is None or p.province.casefold() == province.casefold())
        and (organization is None or p.organization.casefold() == organization.casefold())
    ]
    if pseudo:
        chosen = pseudonymise(chosen, key)
    _emit(render_people(chosen, result.timezone, fmt), output, fmt)
