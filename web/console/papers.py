"""Paper: the assignment sheet (问题解决交办单) as a print-ready A4 page and as PDF.

The PDF is WeasyPrint's rendering of the very page the browser prints, in the
CJK font `require_cjk_font` finds: on a machine without one it refuses with
`font_missing` rather than print boxes or English.
"""
import base64
import os
from pathlib import Path
from typing import Any

from flask import Response, current_app, g, render_template
from werkzeug.wrappers import Response as BaseResponse

from pipeline.rules.boundary import local_now
from pipeline.rules.offices import office_title
from pipeline.views.queries import staff_item
from pipeline.views.sheet import staff_view
from web.auth import allow
from web.printing.cards import require_cjk_font
from web.printing.codes import item_code

from . import bp

SHEET_CSS = Path(__file__).resolve().parents[1] / "static" / "sheet.css"


def _qr_data_uri(item: Any) -> str:
    """The item's code (the same PNG as `/api/v1/items/<number>/qrcode.png`), inline."""
    config = current_app.config
    _source, png = item_code(item, base_url=config["PUBLIC_BASE_URL"],
                             cache_dir=os.path.join(config["UPLOAD_DIR"], "codes"),
                             fetch_wxacode=_wxacode_fetcher(config))
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def _sheet_html(number: str, pdf_font: tuple[str, int] | None = None) -> str:
    found = staff_item(number, g.actor)
    now = local_now()
    view: dict[str, Any] = staff_view(found, g.actor, now)
    sheet = view["sheet"]
    current = [c for c in sheet["claims"] if c["active"] and c["round"] == view["round"]]
    rounds: dict[int, list[str]] = {}
    for claim in sheet["claims"]:
        rounds.setdefault(claim["round"], []).append(f"{claim['unit']}（{'牵头' if claim['role'] == 'lead' else '协办'}）")
    history = "；".join(f"第{n}轮：{'、'.join(units)}" for n, units in sorted(rounds.items()))
    font_face = Path(pdf_font[0]).resolve().as_uri() if pdf_font else None
    return render_template(
        "console/sheet.html", item=view, sheet=sheet, qr=_qr_data_uri(found), printed_at=now, pdf=pdf_font is not None,
        lead_units=[c["unit"] for c in current if c["role"] == "lead"],
        assisting_units=[c["unit"] for c in current if c["role"] != "lead"], claim_history=history,
        css=SHEET_CSS.read_text(encoding="utf-8"), font_face=font_face, office_name=office_title(found.office_id))


def _weasyprint() -> Any:
    """WeasyPrint, imported on first use (it loads pango, which only the PDF needs).

    Importing it turns on Pillow's process-wide LOAD_TRUNCATED_IMAGES; turned off
    again here, or photo uploads would start accepting truncated images.
    """
    import weasyprint
    from PIL import ImageFile

    ImageFile.LOAD_TRUNCATED_IMAGES = False
    return weasyprint


@bp.get("/items/<number>/sheet")
@allow("item.sheet")
def sheet(number: str) -> str:
    """The sheet as a page: print it from the browser (A4, its own print stylesheet)."""
    return _sheet_html(number)


@bp.get("/items/<number>/sheet.pdf")
@allow("item.sheet")
def sheet_pdf(number: str) -> BaseResponse:
    """The same sheet as an A4 PDF, rendered on the server."""
    font = require_cjk_font(current_app.config.get("BADGE_FONT"), "交办单")
    stamp = local_now().strftime("%Y%m%d")
    return pdf_response(_sheet_html(number, font), f"jiaobandan-{number}-{stamp}.pdf")


def pdf_response(html: str, filename: str) -> BaseResponse:
    """A printable page rendered to PDF by WeasyPrint, shown inline and never cached (it may
    carry personal data)."""
    pdf = _weasyprint().HTML(string=html).write_pdf()
    return Response(pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'inline; filename="{filename}"', "Cache-Control": "no-store"})


def _wxacode_fetcher(config):
    """wechat.client's, imported when a code is first made: WeChat's libraries stay out of workers that make none."""
    from wechat.client import wxacode_fetcher

    return wxacode_fetcher(config)
