"""Oversight figures: the dashboards (数据看板) by category, unit, community and week,
the unit assessment (考核) with the office's weights, and the Excel exports (the item
list with its own filters, the assessment table, the call-back list)."""
import os
from urllib.parse import quote, urlencode

from flask import Response, flash, g, redirect, render_template, request, url_for

from pipeline.office.assessment import DEFAULT_WEIGHTS, assessment, set_weights
from pipeline.rules.boundary import local_now
from pipeline.rules.errors import Invalid
from pipeline.rules.offices import office_in_view
from pipeline.views.exports import assessment_workbook, callbacks_workbook, items_workbook
from pipeline.views.measures import NONE_KEY
from pipeline.views.stats import RATE_LABELS, RATES, parse_period, stats
from web.auth import allow

from . import bp
from .pages import list_args, list_query

CHUNK = 64 * 1024
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _period_args() -> tuple[str | None, str | None]:
    return (request.args.get("from") or "").strip() or None, (request.args.get("to") or "").strip() or None


def _office() -> int | None:
    """The street office whose figures the page shows: the reader's own, or the district's pick (`?office=`)."""
    return office_in_view(g.actor, request.args.get("office"))


def _xlsx(data, name: str) -> Response:
    """Stream a finished workbook (a temporary file) in chunks; the file goes when the last chunk has."""
    size = data.seek(0, os.SEEK_END)
    data.seek(0)

    def chunks():
        try:
            while chunk := data.read(CHUNK):
                yield chunk
        finally:
            data.close()
    headers = {"Content-Disposition": f"attachment; filename=export.xlsx; filename*=UTF-8''{quote(name)}",
               "Content-Length": str(size), "Cache-Control": "no-store"}
    return Response(chunks(), mimetype=XLSX, headers=headers)


@bp.get("/dashboard")
@allow("dashboard.read")
def dashboard():
    """数据看板: a period's rates by category, unit and community, week by week; every figure links to its items."""
    start, end = _period_args()
    figures = stats(start, end, local_now(), _office())
    return render_template("console/dashboard.html", figures=figures, rates=RATES, labels=RATE_LABELS,
                           presets=_presets(), link=_linker(figures), chart=_chart(figures))


def _linker(figures: dict):
    """link(dimension, row, measure) -> the item list behind a figure (`/items?from&to&measure&…`)."""
    base = url_for("console.items")  # built once: a dashboard has a thousand links

    def link(dimension: str | None, row: dict, measure: str) -> str:
        args = {"from": figures["from"], "to": figures["to"], "measure": measure}
        if figures.get("office") is not None:
            args["office"] = figures["office"]
        if dimension == "week":
            args.update({"from": row["from"], "to": row["to"]})
        elif dimension == "category":
            args["category"] = row["code"] or NONE_KEY
        elif dimension == "unit":
            args["unit"] = row["key"] if row["key"] is not None else NONE_KEY
        elif dimension == "community":
            args["community"] = row["key"] if row["key"] is not None else NONE_KEY
        elif dimension == "office":
            args["office"] = row["key"]
        return f"{base}?{urlencode(args)}"
    return link


def _chart(figures: dict) -> dict:
    """What the charts draw (static/dashboard.js), each point with the link a click opens."""
    link = _linker(figures)
    weeks = figures["by_week"]
    units = figures["by_unit"][:15]
    return {
        "weeks": [w["name"] for w in weeks],
        "series": {name: [w[name] for w in weeks] for name in ("total", "resolved", "overdue")},
        "rates": {name: [w[name] for w in weeks] for name in ("on_time_rate", "satisfaction_rate")},
        "week_links": {name: [link("week", w, measure) for w in weeks]
                       for name, measure in (("total", "counted"), ("resolved", "resolved"), ("overdue", "overdue"),
                                             ("on_time_rate", "on_time"), ("satisfaction_rate", "satisfied"))},
        "units": [u["name"] for u in units],
        "unit_rates": {name: [u[name] for u in units] for name in ("response_rate", "on_time_rate", "satisfaction_rate")},
        "unit_links": {name: [link("unit", u, measure) for u in units]
                       for name, measure in (("response_rate", "responded"), ("on_time_rate", "on_time"),
                                             ("satisfaction_rate", "satisfied"))},
        "labels": {"total": "收集", "resolved": "办结", "overdue": "超期", **RATE_LABELS},
    }


def _presets() -> list[tuple[str, str, str]]:
    """Quick periods: (label, from, to)."""
    today = local_now().date()
    month = today.replace(day=1)
    year = today.replace(month=1, day=1)
    last_30 = parse_period(None, today.isoformat(), today)[0]
    return [("近30天", last_30.isoformat(), today.isoformat()), ("本月", month.isoformat(), today.isoformat()),
            ("本年", year.isoformat(), today.isoformat())]


@bp.get("/assessment")
@allow("assessment.read")
def assessment_page():
    """考核: units ranked by their weighted score; the office edits the weights here."""
    return _assessment_view()


def _assessment_view(error: str | None = None, failed: dict | None = None, status: int = 200):
    start, end = _period_args()
    table = assessment(start, end, local_now(), _office())
    return render_template("console/assessment.html", table=table, link=_linker(table), error=error,
                           failed=failed or {}, presets=_presets()), status


@bp.post("/assessment/weights")
@allow("assessment.weights")
def assessment_weights():
    values = {metric: request.form.get(metric) for metric in DEFAULT_WEIGHTS}
    try:
        set_weights(g.actor, values, local_now())
    except Invalid as error:
        return _assessment_view(error.message, values, 400)
    flash("考核权重已保存", "success")
    period = {name: value for name, value in zip(("from", "to"), _period_args(), strict=True) if value}
    return redirect(url_for("console.assessment_page", **period) + "#weights")


@bp.get("/export/items.xlsx")
@allow("items.export")
def export_items():
    """The item list as Excel, with the list's own filters and reach."""
    now = local_now()
    query = list_query(list_args(), now.date())
    return _xlsx(items_workbook(query, g.actor, now), f"事项清单-{now:%Y%m%d}.xlsx")


@bp.get("/export/assessment.xlsx")
@allow("assessment.read")
def export_assessment():
    start, end = _period_args()
    table = assessment(start, end, local_now(), _office())
    return _xlsx(assessment_workbook(table), f"单位考核-{table['from']}至{table['to']}.xlsx")


@bp.get("/export/callbacks.xlsx")
@allow("callbacks.read")
def export_callbacks():
    return _xlsx(callbacks_workbook(g.actor, request.args.get("office")), f"回访名单-{local_now():%Y%m%d}.xlsx")


@bp.app_template_filter("pct")
def _pct(value):
    return "—" if value is None else f"{value * 100:.1f}%"
