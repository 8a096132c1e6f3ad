"""Reading pages: what waits for me (home), the item list, one item with the
actions its reader may take, the public claim board and a unit's own work."""
from flask import current_app, g, render_template, request

from pipeline.accounts.people import active_staff, active_units, cadre_choices
from pipeline.files.uploads import served_photo
from pipeline.office.catalog import category_tree
from pipeline.rules.boundary import local_now
from pipeline.rules.offices import office_in_view
from pipeline.rules.states import CHANNELS, OPEN, SCORES, TIERS
from pipeline.steps.intake import default_due
from pipeline.views.actions import available_forms, claim_board, likely_duplicates, may, unit_work
from pipeline.views.desk import communities, find_items, followers, waiting
from pipeline.views.lists import page_args, page_of
from pipeline.views.measures import MEASURES
from pipeline.views.queries import is_public, staff_item
from pipeline.views.sheet import staff_view
from web.api_uploads import photo_response
from web.auth import allow

from . import bp

PER_PAGE = 20
FILTERS = ("status", "channel", "community", "category", "overdue", "q", "office")
# The dashboards' links: collected from..to, a measure (measures.MEASURES), the accountable unit.
LINK_FILTERS = ("from", "to", "measure", "unit")


@bp.get("/")
@allow("items.work_list")
def home():
    today = local_now().date()
    return render_template("console/home.html", sections=waiting(g.actor, today), today=today)


@bp.get("/items")
@allow("items.work_list")
def items():
    today = local_now().date()
    args = list_args()
    page, _ = page_args(request.args.get("page"), PER_PAGE)
    rows, total, exact, _more = page_of(list_query(args, today), page, PER_PAGE)
    office = office_in_view(g.actor, args["office"])
    return render_template("console/items.html", rows=rows, total=total, exact=exact, page=page, per_page=PER_PAGE,
                           pages=max(1, -(-total // PER_PAGE)), args=args, link_filters=LINK_FILTERS,
                           channels=CHANNELS, communities=communities(office), categories=category_tree(),
                           measures=MEASURES, units={u["id"]: u["name"] for u in active_units(office)}, today=today)


def list_args() -> dict[str, str]:
    """The item list's filters from the query string (its export takes the same)."""
    return {name: (request.args.get(name) or "").strip() for name in FILTERS + LINK_FILTERS}


def list_query(args: dict[str, str], today):
    return find_items(g.actor, today, status=args["status"], channel=args["channel"],
                      community=args["community"], category=args["category"],
                      overdue=args["overdue"] in ("1", "true", "on"), q=args["q"], start=args["from"],
                      end=args["to"], measure=args["measure"], unit=args["unit"], office=args["office"])


def render_item(found, error=None, failed=None):
    """The item page: its facts, sheet, timeline and the forms its reader may use now."""
    now = local_now()
    forms = available_forms(found, g.actor, now)
    choices = {}
    office = found.office_id  # the pickers offer the item's own street office's units and people
    if "classify" in forms:
        category = found.category or found.suggested_category
        tier = found.tier or "limited"
        choices.update(categories=category_tree(), leaders=active_staff("leader", office), units=active_units(office),
                       tiers=TIERS, communities=communities(office), category=category.code if category else "",
                       tier=tier, due=found.due or (default_due(tier, category, now) if category else None))
    if "claim" in forms and g.actor.role != "unit" or "assist" in forms and g.actor.role != "unit":
        choices.setdefault("units", active_units(office))
    if "merge" in forms:
        choices["duplicates"] = likely_duplicates(found, now)
    if "classify" in forms or "assign_supervisor" in forms:
        choices["supervisors"] = cadre_choices(office)
    view = staff_view(found, g.actor)
    assigned_ids = [row["id"] for row in view["sheet"]["supervisors"] if row["why"] == "assigned"]
    return render_template("console/item.html", item=view, followers=followers(found, g.actor), forms=forms,
                           assigned_ids=assigned_ids,
                           choices=choices, scores=SCORES, today=now.date(), error=error, failed=failed,
                           postable=is_public(found) and found.status in OPEN,  # a site notice: 正在办理
                           now_local=now.strftime("%Y-%m-%dT%H:%M"))


@bp.get("/items/<number>")
@allow("item.staff_view")
def item(number):
    return render_item(staff_item(number, g.actor))


@bp.get("/claim-board")
@allow("items.work_list")
def board():
    """公开领办: items open for claiming by category and community, with the claim forms."""
    args = {name: (request.args.get(name) or "").strip() for name in ("category", "community", "office")}
    sections = claim_board(g.actor, category=args["category"], community=args["community"], office=args["office"])
    office = office_in_view(g.actor, args["office"])
    now = local_now()
    allowed = {row.id: [form for form in ("claim", "assist", "return") if may(row, g.actor, form, now)]
               for rows in sections.values() for row in rows}
    return render_template("console/board.html", sections=sections, allowed=allowed, args=args,
                           categories=category_tree(), communities=communities(office), today=now.date(),
                           units=active_units(office) if g.actor.role != "unit" else None)


@bp.get("/unit")
@allow("items.work_list")
def unit():
    """My unit's work: items being handled, working days left, overdue first in red."""
    today = local_now().date()
    work = unit_work(g.actor.unit_id, today)
    work.sort(key=lambda row: (not row["overdue"], row["left"] is None, row["left"] or 0))
    return render_template("console/unit.html", work=work, today=today)


@bp.get("/photos/<int:photo_id>")
@allow("photo.staff_read")
def photo(photo_id):
    """A photo as the signed-in person may see it (a 作风 item's photos too, for those it was given to)."""
    path, mimetype = served_photo(photo_id, g.actor, None, current_app.config["UPLOAD_DIR"])
    return photo_response(path, mimetype)
