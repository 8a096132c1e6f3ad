"""The weekly work-style bulletin (作风效能建设周通报) in the console: the archive by
issue number, one issue as a printable A4 page, the office's review of the job's
draft (edit, publish), and the disciplinary entries with the year's running total.

Thin: every change is `pipeline.routines.bulletins`' own operation, which checks
who may do it; a refused change shows its Chinese message and changes nothing."""
import re
from datetime import date
from typing import Any

from flask import flash, g, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from pipeline.accounts.people import active_units
from pipeline.routines import bulletins
from pipeline.rules.boundary import local_now
from pipeline.rules.errors import DomainError, Invalid
from pipeline.rules.permissions import permitted
from pipeline.rules.schemas import SCHEMAS
from pipeline.rules.settings import settings
from pipeline.views.lists import page_args
from web.auth import allow
from web.params import arguments

from . import bp
from .acting import form_body

PER_PAGE = 20
MASTHEAD_ISSUE = re.compile(r"第\d+期")  # the draft's own 第N期 line: the masthead prints the current number


@bp.get("/bulletins")
@allow("bulletins.list")
def bulletin_list() -> str:
    """The archive, newest issue first (drafts for the office only)."""
    page, _ = page_args(request.args.get("page"), PER_PAGE)
    data = bulletins.listing(g.actor, page, PER_PAGE)
    return render_template("console/bulletins.html", data=data, pages=max(1, -(-data["total"] // PER_PAGE)),
                           edits=permitted("bulletins.edit", g.actor),
                           discipline=permitted("discipline.read", g.actor))


def _body_lines(bulletin: Any) -> list[str]:
    """The issue's text under its printed masthead: the masthead's own lines
    (the bulletin's name and 第N期) at the top of the text are not printed twice."""
    lines = bulletin.body.splitlines()
    while lines and (lines[0].strip() == "作风效能建设周通报" or MASTHEAD_ISSUE.fullmatch(lines[0].strip())
                     or not lines[0].strip()):
        lines.pop(0)
    return lines


def render_bulletin(bulletin: Any, error: str | None = None, status: int = 200) -> tuple[str, int]:
    day = (bulletin.published_at or bulletin.created_at).date()
    default_title = f"作风效能建设周通报（第{bulletin.issue}期）"
    return render_template("console/bulletin.html", bulletin=bulletin, lines=_body_lines(bulletin), day=day,
                           office=settings.office_name, own_title=bulletin.title != default_title,
                           edits=permitted("bulletins.edit", g.actor) and bulletin.status == "draft",
                           error=error, form=request.form if error else None), status


@bp.get("/bulletins/<int:bulletin_id>")
@allow("bulletins.read")
def bulletin(bulletin_id: int) -> tuple[str, int]:
    """One issue as it prints (A4); a draft with the office's edit and publish forms."""
    return render_bulletin(bulletins.readable(bulletin_id, g.actor))


@bp.post("/bulletins/<int:bulletin_id>/edit")
@allow("bulletins.edit")
def bulletin_edit(bulletin_id: int) -> Any:
    """The office saves its edits of a draft: title, text, number (第N期)."""
    draft = bulletins.readable(bulletin_id, g.actor)
    try:
        bulletins.edit(draft, g.actor, **arguments(form_body(SCHEMAS["edit_bulletin"]), SCHEMAS["edit_bulletin"]))
    except DomainError as exc:
        return render_bulletin(draft, exc.message, exc.status)
    flash("已保存", "success")
    return redirect(url_for("console.bulletin", bulletin_id=bulletin_id), 303)


@bp.post("/bulletins/<int:bulletin_id>/publish")
@allow("bulletins.edit")
def bulletin_publish(bulletin_id: int) -> BaseResponse:
    """The office publishes a draft; every bound staff member is told."""
    published = bulletins.publish(bulletins.readable(bulletin_id, g.actor), g.actor)
    flash(f"第{published.issue}期已发布", "success")
    return redirect(url_for("console.bulletin", bulletin_id=bulletin_id), 303)


def _year() -> int:
    today = local_now().date()
    raw = request.args.get("year") or str(today.year)
    if not (raw.isdigit() and 2000 <= int(raw) <= today.year + 1):
        raise Invalid("年份无效", field="year")
    return int(raw)


def render_discipline(error: str | None = None, status: int = 200) -> tuple[str, int]:
    today = local_now().date()
    year = _year() if request.method == "GET" else today.year
    return render_template("console/discipline.html", year=year, today=today, kinds=bulletins.DISCIPLINE_KINDS,
                           totals=bulletins.year_totals(year, today),
                           entries=list(reversed(bulletins.entries(date(year, 1, 1), date(year, 12, 31)))),
                           records=permitted("discipline.record", g.actor), units=active_units(),
                           error=error, form=request.form if error else {}), status


@bp.get("/discipline")
@allow("discipline.read")
def discipline() -> tuple[str, int]:
    """作风问题处理: the year's entries (通报、批评、诫勉谈话、处罚) with their running total,
    and for the office and the party–government office the form to record one."""
    return render_discipline()


@bp.post("/discipline")
@allow("discipline.record")
def discipline_record() -> Any:
    """Record a disciplinary entry (it goes into the next weekly bulletin)."""
    try:
        entry = bulletins.record_discipline(
            g.actor, **arguments(form_body(SCHEMAS["record_discipline"]), SCHEMAS["record_discipline"]))
    except DomainError as exc:
        return render_discipline(exc.message, exc.status)
    flash(f"已登记：{bulletins.DISCIPLINE_KINDS[entry.kind]} {entry.person}", "success")
    return redirect(url_for("console.discipline", year=entry.on_date.year), 303)
