"""A :class:`CoverageReport` as text, JSON, CSV, XLSX or one self-contained HTML page; people
lists as CSV or JSON; pseudonymisation; the atomic file writer.

Spreadsheet safety: every text cell of a CSV or XLSX export that starts with ``=``, ``+``,
``-``, ``@`` (or a tab or carriage return) is prefixed with an apostrophe so that no
spreadsheet evaluates it as a formula (OWASP "CSV injection").
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import html
import importlib
import io
import json
from collections.abc import Callable, Iterable, Sequence
from datetime import tzinfo
from pathlib import Path
from typing import Any

from mooc_builder.course.model import pick
from mooc_builder.errors import MoocError
from mooc_builder.text import graphemes
from mooc_builder.tracking.charts import CoverageBar, coverage_chart, monthly_chart
from mooc_builder.tracking.clock import format_timezone, iso_date
from mooc_builder.tracking.ingest.base import Reject
from mooc_builder.tracking.report import (
    ENROLLED,
    IN_PROGRESS,
    NOT_ENROLLED,
    TRAINED,
    AreaFigures,
    CoverageReport,
    PersonStatus,
)
from mooc_builder.write import write_file_atomic

REPORT_FORMATS = ("text", "json", "csv", "xlsx", "html")
PEOPLE_FORMATS = ("csv", "json")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

LABELS: dict[str, dict[str, str]] = {
    "vi": {
        "report": "Báo cáo kết quả đào tạo",
        "as_of": "Số liệu đến hết ngày",
        "deadline": "Thời hạn",
        "course": "Khoá học",
        "overall": "Toàn chương trình",
        "group": "Nhóm đối tượng",
        "province": "Tỉnh/thành phố",
        "organization": "Cơ quan, đơn vị",
        "population": "Số người",
        "enrolled": "Đã đăng ký",
        "in_progress": "Đang học",
        "trained": "Đã được đào tạo",
        "coverage": "Tỉ lệ",
        "target": "Mục tiêu",
        "needed": "Còn thiếu",
        "met": "Đạt",
        "yes": "Đạt",
        "no": "Chưa đạt",
        "month": "Tháng",
        "new_trained": "Số người hoàn thành trong tháng",
        "cumulative": "Luỹ kế",
        "chart_coverage": "Tỉ lệ được đào tạo theo nhóm so với mục tiêu",
        "chart_monthly": "Số người được đào tạo theo tháng",
        "target_line": "Mục tiêu của nhóm",
        "summary": "Tổng hợp",
        "groups": "Nhóm",
        "provinces": "Tỉnh thành",
        "organizations": "Cơ quan",
        "not_trained": "Chưa được đào tạo",
        "status": "Tình trạng",
        "full_name": "Họ và tên",
        "email": "Thư điện tử",
        "person_id": "Mã cá nhân",
        "enrolled_at": "Ngày đăng ký",
        "trained_at": "Ngày hoàn thành",
        "lessons_completed": "Số bài đã hoàn thành",
        "in_person": "Đào tạo trực tiếp được tính",
        "notes": "Lưu ý",
        "timezone": "Múi giờ",
        "unknown": "(không rõ)",
        "no_trained": "Chưa có ai hoàn thành.",
        "status:" + NOT_ENROLLED: "Chưa đăng ký",
        "status:" + ENROLLED: "Đã đăng ký, chưa học",
        "status:" + IN_PROGRESS: "Đang học",
        "status:" + TRAINED: "Đã được đào tạo",
    },
    "en": {
        "report": "Training coverage report",
        "as_of": "Figures as of the end of",
        "deadline": "Deadline",
        "course": "Course",
        "overall": "Whole programme",
        "group": "Target group",
        "province": "Province",
        "organization": "Organisation",
        "population": "People",
        "enrolled": "Enrolled",
        "in_progress": "In progress",
        "trained": "Trained",
        "coverage": "Coverage",
        "target": "Target",
        "needed": "Still needed",
        "met": "Met",
        "yes": "Met",
        "no": "Not met",
        "month": "Month",
        "new_trained": "Newly trained in the month",
        "cumulative": "Cumulative",
        "chart_coverage": "Coverage per target group against its target",
        "chart_monthly": "People trained per month",
        "target_line": "Group target",
        "summary": "Summary",
        "groups": "Groups",
        "provinces": "Provinces",
        "organizations": "Organisations",
        "not_trained": "Not yet trained",
        "status": "Status",
        "full_name": "Full name",
        "email": "Email",
        "person_id": "Person ID",
        "enrolled_at": "Enrolled on",
        "trained_at": "Trained on",
        "lessons_completed": "Lessons completed",
        "in_person": "In-person training counts",
        "notes": "Notes",
        "timezone": "Time zone",
        "unknown": "(unknown)",
        "no_trained": "No one trained yet.",
        "status:" + NOT_ENROLLED: "Not enrolled",
        "status:" + ENROLLED: "Enrolled, not started",
        "status:" + IN_PROGRESS: "In progress",
        "status:" + TRAINED: "Trained",
    },
}


def labels(language: str) -> dict[str, str]:
    """The label set of ``language`` (vi or en)."""
    return LABELS.get(language.split("-")[0], LABELS["vi"])


# -- safety -----------------------------------------------------------------------------------


def neutralise(value: str) -> str:
    """Prefix text a spreadsheet would run as a formula with an apostrophe."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def pseudonymise(people: Iterable[PersonStatus], key: bytes) -> list[PersonStatus]:
    """Names and emails replaced by keyed hashes: stable for a store, not reversible without it.

    A name becomes ``N-`` and 12 hex digits derived from the person id and the name; an email
    becomes 16 hex digits at ``pseudonym.invalid``. The same person gets the same pseudonym in
    every export of the same store.
    """

    def digest(*parts: str) -> str:
        return hmac.new(key, "\x1f".join(parts).encode("utf-8"), hashlib.sha256).hexdigest()

    out = []
    for person in people:
        email = person.email
        out.append(
            person._replace(
                full_name="N-" + digest("name", person.person_id, person.full_name)[:12],
                email=(digest("email", email.lower())[:16] + "@pseudonym.invalid") if email else "",
            )
        )
    return out


# -- writing ----------------------------------------------------------------------------------


def write_atomic(path: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` through a temporary file and a rename (never half a file).

    Uses the package's one atomic writer (:func:`mooc_builder.write.write_file_atomic`) and
    turns file-system failures into a :class:`MoocError` that names the path.
    """
    target = Path(path)
    folder = target.parent if str(target.parent) else Path()
    if not folder.is_dir():
        raise MoocError(
            f"cannot write {target.as_posix()}: the folder {folder.as_posix()} does not exist",
            hint="create the folder or choose another -o path",
        )
    try:
        write_file_atomic(target, data)
    except OSError as exc:
        raise MoocError(f"cannot write {target.as_posix()}: {exc.strerror or exc}") from None
    return target


def render_report(report: CoverageReport, fmt: str) -> bytes:
    """The report in ``fmt`` (one of :data:`REPORT_FORMATS`) as bytes."""
    renderers: dict[str, Callable[[CoverageReport], bytes]] = {
        "text": lambda r: report_text(r).encode("utf-8"),
        "json": lambda r: (json.dumps(r.to_json(), ensure_ascii=False, indent=2) + "\n").encode(),
        "csv": report_csv,
        "xlsx": report_xlsx,
        "html": lambda r: report_html(r).encode("utf-8"),
    }
    return renderers[fmt](report)


# -- text -------------------------------------------------------------------------------------


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}\u00a0%"


def _table(rows: Sequence[Sequence[str]], numeric_from: int) -> list[str]:
    widths = [max(graphemes(r[i]) for r in rows) for i in range(len(rows[0]))]
    out = []
    for n, row in enumerate(rows):
        cells = []
        for i, value in enumerate(row):
            pad = " " * (widths[i] - graphemes(value))
            cells.append(pad + value if i >= numeric_from and n > 0 else value + pad)
        out.append("  ".join(cells).rstrip())
        if n == 0:
            out.append("  ".join("-" * w for w in widths))
    return out


def report_text(report: CoverageReport) -> str:
    """A plain-text report for the terminal or an email."""
    t = labels(report.language)
    o = report.overall
    lines = [
        report.title(),
        f"{t['as_of']} {report.as_of.isoformat()} "
        f"({t['timezone']} {format_timezone(report.timezone)})"
        f" — {t['deadline']} {report.deadline.isoformat()}",
        f"{t['course']}: {report.course_id}"
        + (f" — {t['in_person']}" if report.in_person_counts else ""),
        "",
        f"{t['overall']}: {t['population'].lower()} {o.population}, {t['enrolled'].lower()} "
        f"{o.enrolled}, {t['in_progress'].lower()} {o.in_progress}, {t['trained'].lower()} "
        f"{o.trained} ({_pct(o.coverage)})",
        "",
    ]
    head = [t[k] for k in ("group", "population", "enrolled", "in_progress", "trained")]
    head += [t[k] for k in ("coverage", "target", "needed", "met")]
    rows = [head]
    for g in report.groups:
        rows.append(
            [
                pick(g.name, report.language, g.group),
                str(g.population),
                str(g.enrolled),
                str(g.in_progress),
                str(g.trained),
                _pct(g.coverage),
                _pct(g.target),
                str(g.needed),
                t["yes"] if g.met else t["no"],
            ]
        )
    lines += _table(rows, 1)
    for key, areas in (("province", report.provinces), ("organization", report.organizations)):
        lines.append("")
        rows = [[t[key], t["population"], t["trained"], t["coverage"]]]
        rows += [
            [a.name or t["unknown"], str(a.population), str(a.trained), _pct(a.coverage)]
            for a in areas
        ]
        lines += _table(rows, 1)
    lines.append("")
    if report.monthly:
        rows = [[t["month"], t["trained"], t["cumulative"]]]
        rows += [[m.month, str(m.trained), str(m.cumulative)] for m in report.monthly]
        lines += _table(rows, 1)
    else:
        lines.append(t["no_trained"])
    if report.notes:
        lines += ["", t["notes"] + ":"] + [f"- {n}" for n in report.notes]
    return "\n".join(lines) + "\n"


# -- CSV --------------------------------------------------------------------------------------

CSV_COLUMNS = (
    "level",
    "id",
    "name",
    "population",
    "enrolled",
    "in_progress",
    "trained",
    "coverage",
    "target",
    "needed",
    "met",
)


def _csv_bytes(rows: Iterable[Sequence[object]]) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in rows:
        writer.writerow([neutralise(v) if isinstance(v, str) else v for v in row])
    # BOM: Excel then opens UTF-8 (Vietnamese names) correctly.
    return b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8")


def _ratio(value: float | None) -> str:
    return "" if value is None else f"{value:.6f}"


def report_csv(report: CoverageReport) -> bytes:
    """One table: the overall row, then groups, provinces and organisations."""
    o = report.overall
    rows: list[Sequence[object]] = [CSV_COLUMNS]
    rows.append(
        [
            "overall",
            "",
            report.title(),
            o.population,
            o.enrolled,
            o.in_progress,
            o.trained,
            _ratio(o.coverage),
            "",
            "",
            "",
        ]
    )
    for g in report.groups:
        rows.append(
            [
                "group",
                g.group,
                pick(g.name, report.language, g.group),
                g.population,
                g.enrolled,
                g.in_progress,
                g.trained,
                _ratio(g.coverage),
                _ratio(g.target),
                g.needed,
                "true" if g.met else "false",
            ]
        )
    for level, areas in (("province", report.provinces), ("organization", report.organizations)):
        for a in areas:
            rows.append(
                [
                    level,
                    a.name,
                    a.name,
                    a.population,
                    "",
                    "",
                    a.trained,
                    _ratio(a.coverage),
                    "",
                    "",
                    "",
                ]
            )
    return _csv_bytes(rows)


# -- people -----------------------------------------------------------------------------------

PEOPLE_COLUMNS = (
    "person_id",
    "full_name",
    "email",
    "group",
    "organization",
    "province",
    "status",
    "enrolled_at",
    "first_activity_at",
    "trained_at",
    "lessons_completed",
    "attended_at",
)


def person_row(person: PersonStatus, tz: tzinfo) -> dict[str, Any]:
    """A person as a flat record (dates as YYYY-MM-DD in the store's time zone)."""
    return {
        "person_id": person.person_id,
        "full_name": person.full_name,
        "email": person.email,
        "group": person.group,
        "organization": person.organization,
        "province": person.province,
        "status": person.status,
        "enrolled_at": iso_date(person.enrolled_at, tz),
        "first_activity_at": iso_date(person.first_activity_at, tz),
        "trained_at": iso_date(person.trained_at, tz),
        "lessons_completed": person.lessons_completed,
        "attended_at": iso_date(person.attended_at, tz),
    }


def render_people(people: Sequence[PersonStatus], tz: tzinfo, fmt: str) -> bytes:
    """People as CSV (formula-safe) or JSON."""
    records = [person_row(p, tz) for p in people]
    if fmt == "json":
        return (json.dumps(records, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    return _csv_bytes([PEOPLE_COLUMNS, *([r[c] for c in PEOPLE_COLUMNS] for r in records)])


def render_rejects(rejects: Iterable[tuple[str, Reject]]) -> bytes:
    """Rows refused by ``ingest --skip-bad``: file, line, error, hint, the row as read."""
    rows: list[Sequence[object]] = [("file", "line", "error", "hint", "row")]
    rows += [(f, r.line or "", r.message, r.hint or "", r.raw) for f, r in rejects]
    return _csv_bytes(rows)


# -- XLSX -------------------------------------------------------------------------------------


def report_xlsx(report: CoverageReport) -> bytes:
    """A workbook with sheets: summary, groups, provinces, organisations, people not trained."""
    openpyxl: Any = importlib.import_module("openpyxl")  # no type stubs are installed
    styles: Any = importlib.import_module("openpyxl.styles")
    get_column_letter = importlib.import_module("openpyxl.utils").get_column_letter
    Font, Alignment, PatternFill = styles.Font, styles.Alignment, styles.PatternFill

    t = labels(report.language)
    book = openpyxl.Workbook()
    bold = Font(bold=True)
    head_fill = PatternFill("solid", fgColor="DDE7F3")
    percent = "0.0%"

    def sheet(title: str, header: Sequence[str], rows: Iterable[Sequence[object]]) -> Any:
        ws = book.create_sheet(title[:31])
        _append(ws, header)
        for cell in ws[1]:
            cell.font = bold
            cell.fill = head_fill
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        for row in rows:
            _append(ws, row)
        ws.freeze_panes = "A2"
        for i, name in enumerate(header, start=1):
            ws.column_dimensions[get_column_letter(i)].width = max(12, min(48, len(name) + 4))
        return ws

    def mark_percent(ws: Any, columns: Sequence[int]) -> None:
        for row in ws.iter_rows(min_row=2):
            for i in columns:
                row[i].number_format = percent

    summary = book.active
    assert summary is not None
    summary.title = t["summary"]
    o = report.overall
    _append(summary, [report.title()])
    summary["A1"].font = Font(bold=True, size=14)
    for label, value in (
        (t["as_of"], report.as_of.isoformat()),
        (t["deadline"], report.deadline.isoformat()),
        (t["course"], report.course_id),
        (t["timezone"], format_timezone(report.timezone)),
        (t["population"], o.population),
        (t["enrolled"], o.enrolled),
        (t["in_progress"], o.in_progress),
        (t["trained"], o.trained),
        (t["coverage"], o.coverage),
    ):
        _append(summary, [label, value])
    summary.cell(row=summary.max_row, column=2).number_format = percent
    _append(summary, [])
    _append(summary, [t["month"], t["new_trained"], t["cumulative"]])
    for cell in summary[summary.max_row]:
        cell.font = bold
    for m in report.monthly:
        _append(summary, [m.month, m.trained, m.cumulative])
    for note in report.notes:
        _append(summary, [t["notes"], note])
    summary.column_dimensions["A"].width = 34
    summary.column_dimensions["B"].width = 28

    groups = sheet(
        t["groups"],
        [
            t["group"],
            "id",
            *(t[k] for k in ("population", "enrolled", "in_progress", "trained", "coverage")),
            *(t[k] for k in ("target", "needed", "met")),
        ],
        (
            [
                pick(g.name, report.language, g.group),
                g.group,
                g.population,
                g.enrolled,
                g.in_progress,
                g.trained,
                g.coverage,
                g.target,
                g.needed,
                t["yes"] if g.met else t["no"],
            ]
            for g in report.groups
        ),
    )
    mark_percent(groups, (6, 7))

    def area_rows(areas: Sequence[AreaFigures]) -> Iterable[Sequence[object]]:
        return ([a.name or t["unknown"], a.population, a.trained, a.coverage] for a in areas)

    for key, title, areas in (
        ("province", t["provinces"], report.provinces),
        ("organization", t["organizations"], report.organizations),
    ):
        ws = sheet(title, [t[key], t["population"], t["trained"], t["coverage"]], area_rows(areas))
        mark_percent(ws, (3,))

    waiting = [p for p in report.people if p.status != TRAINED]
    sheet(
        t["not_trained"],
        [
            t[k]
            for k in (
                "person_id",
                "full_name",
                "email",
                "group",
                "organization",
                "province",
                "status",
                "enrolled_at",
                "lessons_completed",
            )
        ],
        (
            [
                p.person_id,
                p.full_name,
                p.email,
                p.group,
                p.organization,
                p.province,
                t["status:" + p.status],
                iso_date(p.enrolled_at, report.timezone),
                p.lessons_completed,
            ]
            for p in waiting
        ),
    )
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _append(ws: Any, values: Sequence[object]) -> None:
    ws.append([neutralise(v) if isinstance(v, str) else v for v in values])


# -- HTML -------------------------------------------------------------------------------------

_CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,'Noto Sans',Arial,sans-serif;
color:#1f2328;margin:2rem auto;max-width:1100px;padding:0 1rem;line-height:1.45}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{font-size:1.2rem;margin-top:2rem}
.meta{color:#57606a;margin-top:0}
.cards{display:flex;flex-wrap:wrap;gap:.8rem;margin:1rem 0}
.card{border:1px solid #d0d7de;border-radius:8px;padding:.6rem 1rem;min-width:9rem}
.card b{display:block;font-size:1.5rem}
table{border-collapse:collapse;width:100%;margin:.5rem 0}
th,td{border-bottom:1px solid #d0d7de;padding:.35rem .5rem;text-align:left}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}td.n{white-space:nowrap}
.met{color:#2e8b57;font-weight:600}.notmet{color:#c0392b;font-weight:600}
figure{margin:1rem 0;overflow-x:auto}figcaption{color:#57606a;font-size:.9rem}
@media print{body{margin:0}h2{break-after:avoid}figure,table{break-inside:avoid}}
"""


def report_html(report: CoverageReport) -> str:
    """One HTML page with inline CSS and SVG charts; it makes no request and opens offline."""
    t = labels(report.language)
    e = html.escape
    o = report.overall

    def num(value: object) -> str:
        return f'<td class="n">{e(str(value))}</td>'

    def head(*keys: str, numeric_from: int = 1) -> str:
        cells = "".join(
            f'<th class="n">{e(t[k])}</th>' if i >= numeric_from else f"<th>{e(t[k])}</th>"
            for i, k in enumerate(keys)
        )
        return f"<thead><tr>{cells}</tr></thead>"

    bars = [
        CoverageBar(
            label=pick(g.name, report.language, g.group),
            coverage=g.coverage or 0.0,
            target=g.target,
            detail=f"{g.trained}/{g.population} — {t['target'].lower()} {_pct(g.target)}",
            met=g.met,
        )
        for g in report.groups
    ]
    coverage_svg = coverage_chart(bars, title=t["chart_coverage"], target_label=t["target_line"])
    monthly_svg = (
        monthly_chart(
            [(m.month, m.trained, m.cumulative) for m in report.monthly],
            title=t["chart_monthly"],
            bar_label=t["new_trained"],
            total_label=t["cumulative"],
        )
        if report.monthly
        else f"<p>{e(t['no_trained'])}</p>"
    )
    group_rows = "".join(
        "<tr>"
        f"<td>{e(pick(g.name, report.language, g.group))}</td>"
        + num(g.population)
        + num(g.enrolled)
        + num(g.in_progress)
        + num(g.trained)
        + num(_pct(g.coverage))
        + num(_pct(g.target))
        + num(g.needed)
        + f'<td class="n {"met" if g.met else "notmet"}">{e(t["yes"] if g.met else t["no"])}</td>'
        "</tr>"
        for g in report.groups
    )

    def area_table(key: str, areas: Sequence[AreaFigures]) -> str:
        rows = "".join(
            f"<tr><td>{e(a.name or t['unknown'])}</td>"
            + num(a.population)
            + num(a.trained)
            + num(_pct(a.coverage))
            + "</tr>"
            for a in areas
        )
        return (
            f"<table>{head(key, 'population', 'trained', 'coverage')}<tbody>{rows}</tbody></table>"
        )

    month_rows = "".join(
        f"<tr><td>{e(m.month)}</td>{num(m.trained)}{num(m.cumulative)}</tr>" for m in report.monthly
    )
    notes = (
        f"<h2>{e(t['notes'])}</h2><ul>"
        + "".join(f"<li>{e(n)}</li>" for n in report.notes)
        + "</ul>"
        if report.notes
        else ""
    )
    cards = "".join(
        f'<div class="card">{e(t[k])}<b>{e(v)}</b></div>'
        for k, v in (
            ("population", str(o.population)),
            ("enrolled", str(o.enrolled)),
            ("in_progress", str(o.in_progress)),
            ("trained", str(o.trained)),
            ("coverage", _pct(o.coverage)),
        )
    )
    lang = "vi" if report.language.startswith("vi") else "en"
    group_head = (
        head("group", "population", "enrolled", "in_progress", "trained", "coverage", "target")[
            : -len("</tr></thead>")
        ]
        + "".join(f'<th class="n">{e(t[k])}</th>' for k in ("needed", "met"))
        + "</tr></thead>"
    )
    month_table = (
        f"<table>{head('month', 'trained', 'cumulative')}<tbody>{month_rows}</tbody></table>"
        if month_rows
        else ""
    )
    return f"""<!DOCTYPE html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{e(report.title())} — {e(report.as_of.isoformat())}</title>
<style>{_CSS}</style>
</head>
<body>
<h1>{e(report.title())}</h1>
<p class="meta">{e(t["report"])} · {e(t["as_of"])} {e(report.as_of.isoformat())}
({e(t["timezone"])} {e(format_timezone(report.timezone))}) · {e(t["deadline"])}
{e(report.deadline.isoformat())} · {e(t["course"])}: {e(report.course_id)}</p>
<div class="cards">{cards}</div>
<h2>{e(t["chart_coverage"])}</h2>
<figure>{coverage_svg}</figure>
<table>{group_head}<tbody>{group_rows}</tbody></table>
<h2>{e(t["chart_monthly"])}</h2>
<figure>{monthly_svg}</figure>
{month_table}
<h2>{e(t["provinces"])}</h2>
{area_table("province", report.provinces)}
<h2>{e(t["organizations"])}</h2>
{area_table("organization", report.organizations)}
{notes}
</body>
</html>
"""
