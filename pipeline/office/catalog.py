"""The category tree (editable data) and the office's calendar table."""
import re
from datetime import date
from typing import Any

from models import CalendarDay, Category
from pipeline.rules.core import transaction
from pipeline.rules.validate import parse_date

# Three top categories and twelve sub-items (分类梳理), each under the top category
# its meaning fits: 经济 is the local economy (employment, enterprises, markets),
# 民生 residents' daily life (homes, streets, safety, culture), 作风 officials'
# conduct. Five sub-items are named by the seed (物业管理, 社会治安, 文明创建,
# 社保就业, 文化体育); the others are the office's usual ones. Defaults only: the
# office edits the tree (pipeline.office.categories), and migration 9 moved
# 市容环境 and 房屋设施 from 经济 to 民生 in databases made before.
DEFAULT_CATEGORIES = [
    ("economy", "经济", True, [
        ("social_security", "社保就业", "limited", 5),
        ("enterprise_service", "企业服务", "limited", 5),
        ("market_business", "市场经营", "limited", 5),
    ]),
    ("livelihood", "民生", True, [
        ("property", "物业管理", "limited", 5),
        ("public_security", "社会治安", "on_spot", 1),
        ("civilization", "文明创建", "limited", 5),
        ("culture_sports", "文化体育", "limited", 10),
        ("market_environment", "市容环境", "limited", 3),
        ("housing", "房屋设施", "limited", 10),
        ("transport", "交通出行", "limited", 7),
    ]),
    ("work_style", "作风", False, [
        ("public_service", "为民服务", "limited", 5),
        ("cadre_conduct", "干部作风", "limited", 10),
    ]),
]


def ensure_default_categories() -> int:
    """Create the default tree where codes are missing; never overwrite edits."""
    created = 0
    with transaction():
        existing = {c.code: c for c in Category.select()}
        for top_sort, (code, name, public, children) in enumerate(DEFAULT_CATEGORIES):
            top = existing.get(code)
            if top is None:
                top = Category.create(code=code, name=name, public=public, sort=top_sort)
                created += 1
            for sort, (child_code, child_name, tier, days) in enumerate(children):
                taken = Category.select().where((Category.parent == top) & (Category.name == child_name)).exists()
                if child_code not in existing and not taken:
                    Category.create(code=child_code, name=child_name, parent=top, default_tier=tier,
                                    limit_days=days, public=public, sort=sort)
                    created += 1
    return created


def category_tree() -> list[dict[str, Any]]:
    """Active categories as [{code, name, children: [...]}], in the office's order."""
    rows = list(Category.select().where(Category.active).order_by(Category.sort, Category.id))
    tops = [c for c in rows if c.parent_id is None]
    return [
        {
            "code": top.code,
            "name": top.name,
            "public": top.public,
            "children": [
                {"code": c.code, "name": c.name, "default_tier": c.default_tier, "limit_days": c.limit_days}
                for c in rows if c.parent_id == top.id
            ],
        }
        for top in tops
    ]


def set_calendar_day(day: object, is_workday: object, note: str | None = None) -> date:
    """The office's own holiday or adjusted workday, on top of chinese-calendar."""
    day = parse_date(day, "day")
    with transaction():
        CalendarDay.insert(day=day, is_workday=bool(is_workday), note=note).on_conflict(
            conflict_target=[CalendarDay.day],
            update={CalendarDay.is_workday: bool(is_workday), CalendarDay.note: note},
        ).execute()
    return day


# A chat report that starts with one of these is about officials' conduct (作风).
CONDUCT_KEYWORD = re.compile(r"^\s*(?:[#＃]\s*作风|【作风】|作风问题\s*[:：]|作风\s*[:：])\s*")


def conduct_category() -> Category | None:
    """The sub-item a report about officials' conduct suggests: the first active one
    under a non-public top category (干部作风 in the default tree)."""
    Parent = Category.alias()
    return (Category.select().join(Parent, on=(Category.parent == Parent.id))
            .where(Category.active & ~Parent.public).order_by(Category.code != "cadre_conduct", Parent.sort,
                                                              Category.sort, Category.id).first())


def split_conduct_keyword(text: str) -> tuple[str, bool]:
    """("作风：窗口人员态度差" → ("窗口人员态度差", True)); other text is returned as it is."""
    match = CONDUCT_KEYWORD.match(text or "")
    if match is None or not text[match.end():].strip():
        return text, False
    return text[match.end():], True
