"""Pages for residents outside WeChat, no sign-in needed: the results board
(`/board`, what `GET /api/v1/board` returns) and the announcements (`/notices`,
公示, what `GET /api/v1/notices` returns) — mobile first and shareable; and for
staff, each public item's A5 site notice (本问题正在办理 · 扫码督办) to post
where the problem is, as a page and as PDF."""
from pathlib import Path
from typing import Any

from flask import current_app, g, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from pipeline.messages import publicity
from pipeline.office.catalog import category_tree
from pipeline.rules.boundary import local_now
from pipeline.rules.errors import NotFound
from pipeline.rules.settings import settings
from pipeline.views.desk import communities
from pipeline.views.lists import board, page_args
from pipeline.views.privacy import coarse_place
from pipeline.views.queries import is_public, staff_item, summary
from web.auth import allow
from web.printing.cards import require_cjk_font

from . import bp
from .papers import _qr_data_uri, pdf_response

PER_PAGE = 20
NOTICE_CSS = Path(__file__).resolve().parents[1] / "static" / "notice.css"


def _office() -> dict[str, str]:
    return {"name": settings.office_name, "phone": settings.office_phone}


def _pages(total: int, per_page: int) -> int:
    return max(1, -(-total // per_page))


def _page_link(endpoint: str, args: dict[str, str], page: int) -> str:
    values: dict[str, Any] = {k: v for k, v in args.items() if v}
    if page > 1:
        values["page"] = page
    return url_for(endpoint, **values)


@bp.get("/board")
@allow("public")
def results_board() -> str:
    """办理结果: closed public items with their results and ratings, by community and category."""
    args = {name: (request.args.get(name) or "").strip() for name in ("community", "category")}
    page, _ = page_args(request.args.get("page"), PER_PAGE)
    data = board(community=args["community"] or None, category=args["category"] or None, page=page,
                 per_page=PER_PAGE)
    return render_template("console/public_board.html", data=data, args=args, office=_office(),
                           communities=communities(), categories=[c for c in category_tree() if c["public"]],
                           pages=_pages(data["total"], PER_PAGE),
                           previous=_page_link("console.results_board", args, page - 1) if page > 1 else None,
                           following=_page_link("console.results_board", args, page + 1) if data["has_more"] else None)


@bp.get("/notices")
@allow("public")
def notices() -> str:
    """公示: the announced results of items of wide concern, newest first, by community."""
    args = {"community": (request.args.get("community") or "").strip()}
    page, _ = page_args(request.args.get("page"), PER_PAGE)
    data = publicity.notices(args["community"] or None, page, PER_PAGE)
    pages = _pages(data["total"], PER_PAGE)
    return render_template("console/public_notices.html", data=data, args=args, office=_office(),
                           communities=communities(), pages=pages,
                           previous=_page_link("console.notices", args, page - 1) if page > 1 else None,
                           following=_page_link("console.notices", args, page + 1) if page < pages else None)


def _notice_html(number: str, pdf_font: tuple[str, int] | None = None) -> str:
    """The A5 site notice of a public item within the reader's reach (a 作风 or
    unclassified item is never posted: not found)."""
    found = staff_item(number, g.actor)
    if not is_public(found):
        raise NotFound("该事项不公开，不能张贴", code="not_found")
    now = local_now()
    view: dict[str, Any] = summary(found, now.date())  # the lists' short form: content cut and masked
    view["address"] = coarse_place(found.address)
    return render_template("console/site_notice.html", item=view, cut=len(found.content) > len(view["content"] or ""),
                           qr=_qr_data_uri(found),
                           office=_office(), printed_at=now, pdf=pdf_font is not None,
                           css=NOTICE_CSS.read_text(encoding="utf-8"),
                           font_face=Path(pdf_font[0]).resolve().as_uri() if pdf_font else None)


@bp.get("/items/<number>/notice")
@allow("item.site_notice")
def site_notice(number: str) -> str:
    """The site notice as a page: print it from the browser (A5, its own print stylesheet)."""
    return _notice_html(number)


@bp.get("/items/<number>/notice.pdf")
@allow("item.site_notice")
def site_notice_pdf(number: str) -> BaseResponse:
    """The same notice as an A5 PDF, rendered on the server like the sheet."""
    font = require_cjk_font(current_app.config.get("BADGE_FONT"), "现场公示牌")
    return pdf_response(_notice_html(number, font), f"xianchang-{number}.pdf")
