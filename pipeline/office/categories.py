"""The office edits the category tree (分类): top categories (大类) and their
sub-items (子项), each sub-item with its default tier and time limit in working days.

A category's `code` never changes once made: items, links and the mini-program's
pickers name it. Deactivating one takes it off the pickers (`GET /api/v1/categories`)
and out of classify, but the items already in it keep it. Two levels only: a
sub-item sits under a top category, never under another sub-item.
"""
from __future__ import annotations

import re
import secrets
from typing import Any

from models import Category
from pipeline.rules.actors import Actor
from pipeline.rules.core import transaction
from pipeline.rules.errors import Forbidden, Invalid, NotFound
from pipeline.rules.permissions import permitted
from pipeline.rules.states import TIERS
from pipeline.rules.validate import choice, optional_text, required_text

NAME_LENGTH = 32
CODE = re.compile(r"^[a-z][a-z0-9_]{1,31}$")
LIMIT_DAYS = (1, 365)  # a sub-item's time limit, in working days


def _office_only(actor: Actor) -> None:
    if not permitted("categories.manage", actor):
        raise Forbidden("只有活动办可以维护分类", code="forbidden")


def category_json(category: Category) -> dict[str, Any]:
    return {"id": category.id, "code": category.code, "name": category.name,
            "parent": category.parent.code if category.parent_id else None,
            "default_tier": category.default_tier if category.parent_id else None,
            "limit_days": category.limit_days if category.parent_id else None,
            "public": category.public, "active": category.active, "sort": category.sort}


def full_tree() -> list[dict[str, Any]]:
    """Every category, retired ones too, as top categories with their `children` (the office's page)."""
    rows = list(Category.select().order_by(Category.sort, Category.id))
    by_id = {c.id: c for c in rows}
    for row in rows:
        if row.parent_id:
            row.parent = by_id[row.parent_id]
    return [{**category_json(top), "children": [category_json(c) for c in rows if c.parent_id == top.id]}
            for top in rows if top.parent_id is None]


def _parent(code: object) -> Category:
    """The top category named by `code` (a sub-item can't hold sub-items)."""
    if not isinstance(code, str) or not code:
        raise Invalid("上级分类不存在", code="unknown_parent", field="parent")
    parent = Category.get_or_none(Category.code == code)
    if parent is None:
        raise Invalid("上级分类不存在", code="unknown_parent", field="parent")
    if parent.parent_id is not None:
        raise Invalid(f"“{parent.name}”是子项，子项下不能再设子项，请选择一个大类", code="too_deep", field="parent")
    return parent


def _unique_name(name: str, parent: Category | None, except_id: int | None = None) -> None:
    """Names are unique among the top categories, and among one top category's sub-items."""
    query = Category.select().where((Category.name == name) & (
        Category.parent.is_null() if parent is None else (Category.parent == parent)))
    if except_id is not None:
        query = query.where(Category.id != except_id)
    if query.exists():
        where = "大类" if parent is None else f"“{parent.name}”下"
        raise Invalid(f"{where}已有名为“{name}”的分类", code="duplicate_name", field="name")


def _limit_days(value: object) -> int:
    low, high = LIMIT_DAYS
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise Invalid(f"办结时限应为{low}到{high}个工作日", code="invalid", field="limit_days")
    return value


def _flag(value: object, field: str, label: str) -> bool:
    if not isinstance(value, bool):
        raise Invalid(f"{label}应为是或否", field=field)
    return value


def _new_code(code: object) -> str:
    if code in (None, ""):
        while True:  # the office rarely names codes: make one nobody has
            made = f"c_{secrets.token_hex(4)}"
            if not Category.select().where(Category.code == made).exists():
                return made
    if not isinstance(code, str) or not CODE.match(code):
        raise Invalid("分类代码应为2到32位小写字母、数字或下划线，以字母开头", field="code")
    if Category.select().where(Category.code == code).exists():
        raise Invalid("分类代码已被使用", code="duplicate_code", field="code")
    return code


def create_category(actor: Actor, *, name: object, parent: object = None, default_tier: object = None,
                    limit_days: object = None, public: object = None, active: object = None,
                    code: object = None) -> Category:
    """The office adds a top category (no `parent`; `public`: whether its items may be
    shown to the public) or a sub-item under one (`default_tier`, `limit_days`)."""
    _office_only(actor)
    name = required_text(name, "name", "分类名称", NAME_LENGTH)
    with transaction():
        top = None if parent in (None, "") else _parent(parent)
        _unique_name(name, top)
        made_code = _new_code(code)
        is_active = True if active is None else _flag(active, "active", "是否启用")
        siblings = Category.select().where(Category.parent.is_null() if top is None else (Category.parent == top))
        sort = (max((c.sort for c in siblings), default=-1)) + 1
        if top is None:
            if default_tier is not None or limit_days is not None:
                raise Invalid("大类没有办理方式和时限，请在子项上设置", field="default_tier" if default_tier else "limit_days")
            is_public = True if public is None else _flag(public, "public", "是否公开")
            return Category.create(code=made_code, name=name, public=is_public, sort=sort, active=is_active)
        if public is not None:
            raise Invalid("子项随所属大类公开或不公开", field="public")
        tier = choice("limited" if default_tier in (None, "") else default_tier, TIERS, "default_tier", "办理方式")
        days = 5 if limit_days is None else _limit_days(limit_days)
        return Category.create(code=made_code, name=name, parent=top, default_tier=tier, limit_days=days,
                               public=top.public, sort=sort, active=is_active)


def update_category(actor: Actor, code: str, *, name: object = None, parent: object = None,
                    default_tier: object = None, limit_days: object = None, active: object = None,
                    sort: object = None) -> Category:
    """The office renames a category, moves a sub-item under another top category (it
    takes that category's public flag), changes its tier or time limit, reorders it or
    (de)activates it. Its code stays; items already in it keep it."""
    _office_only(actor)
    new_name = optional_text(name, "name", "分类名称", NAME_LENGTH)
    with transaction():
        category = Category.get_or_none(Category.code == code)
        if category is None:
            raise NotFound("分类不存在", code="not_found")
        is_top = category.parent_id is None
        if parent not in (None, ""):
            if is_top:
                raise Invalid("大类不能移到其他分类下", code="too_deep", field="parent")
            top = _parent(parent)
            if top.id != category.parent_id:
                category.parent = top
                category.public = top.public
        elif parent == "" and not is_top:
            raise Invalid("子项必须属于一个大类", code="unknown_parent", field="parent")
        if new_name is not None or parent not in (None, ""):
            _unique_name(new_name or category.name, None if is_top else category.parent, except_id=category.id)
            category.name = new_name or category.name
        if (default_tier is not None or limit_days is not None) and is_top:
            raise Invalid("大类没有办理方式和时限，请在子项上设置", field="default_tier" if default_tier else "limit_days")
        if default_tier is not None:
            category.default_tier = choice(default_tier, TIERS, "default_tier", "办理方式")
        if limit_days is not None:
            category.limit_days = _limit_days(limit_days)
        if active is not None:
            category.active = _flag(active, "active", "是否启用")
        if sort is not None:
            if isinstance(sort, bool) or not isinstance(sort, int) or not 0 <= sort <= 1000:
                raise Invalid("排序应为0到1000的整数", field="sort")
            category.sort = sort
        category.save()
    return category
