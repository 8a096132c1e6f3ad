"""Reading pages: what waits for me (home), the item list, one item."""
from flask import current_app, g, render_template, request

from pipeline.files.uploads import served_photo
from pipeline.office.catalog import category_tree
from pipeline.rules.boundary import local_now
from pipeline.rules.states import CHANNELS
from pipeline.views.desk import communities, find_items, followers, waiting
from pipeline.views.queries import attach_relations, page_args, visible_item
from pipeline.views.sheet import staff_view
from web.api_uploads import photo_response
from web.auth import allow

from . import bp

PER_PAGE = 20
FILTERS = ("status", "channel", "community", "category", "overdue", "q")


@bp.get("/")
@allow("items.work_list")
def home():
    today = local_now().date()
    return render_template("console/home.html", sections=waiting(g.actor, today), today=today)


@bp.get("/items")
@allow("items.work_list")
def items():
    today = local_now().date()
    args = {name: (request.args.get(name) or "").strip() for name in FILTERS}
    page, _ = page_args(request.args.get("page"), PER_PAGE)
    query = find_items(g.actor, today, status=args["status"], channel=args["channel"],
                       community=args["community"], category=args["category"],
                       overdue=args["overdue"] in ("1", "true", "on"), q=args["q"])
    total = query.count()
    rows = list(query.paginate(page, PER_PAGE))
    attach_relations(rows)
    return render_template("console/items.html", rows=rows, total=total, page=page, per_page=PER_PAGE,
                           pages=max(1, -(-total // PER_PAGE)), args=args,
                           channels=CHANNELS, communities=communities(), categories=category_tree(),
                           today=today)


@bp.get("/items/<number>")
@allow("item.staff_view")
def item(number):
    found = visible_item(number, g.actor)
    view = staff_view(found, g.actor)
    return render_template("console/item.html", item=view, followers=followers(found, g.actor))


@bp.get("/photos/<int:photo_id>")
@allow("photo.staff_read")
def photo(photo_id):
    """A photo as the signed-in person may see it (a 作风 item's photos too, for those it was given to)."""
    path, mimetype = served_photo(photo_id, g.actor, None, current_app.config["UPLOAD_DIR"])
    return photo_response(path, mimetype)
