"""The type → handler table for what residents and staff send the official account.

Each handler gets the parsed wechatpy message and a `Context` (who, when) and
returns reply text, or None for `success`. Handlers are thin: each makes one
call into a pipeline operation and words the outcome (`wechat.replies`); no
WeChat API is called here (the 5-second rule). A `DomainError` becomes its
Chinese message as the reply.
"""
import re
from dataclasses import dataclass, field
from datetime import datetime

from pipeline.accounts import people, staff_binding
from pipeline.messages import inbound
from pipeline.office import catalog, communities
from pipeline.rules.actors import actor_for_resident, actor_for_staff, known_resident_actor, valid_badge
from pipeline.rules.errors import DomainError
from pipeline.rules.states import DETAIL_WINDOW, ROLE_LABELS, TRIAGE
from pipeline.steps import intake, judging, oversight
from pipeline.views import lists, queries

from . import events, replies

MIN_REPORT_CHARS = 5
NUMBER_RE = re.compile(r"^(?:查询|查|进度|查进度|查询进度)?\s*[:：]?\s*(\d{8}-\d{4,6})\s*[。.!！]?$")
SEPARATORS = " \t\r\n,，。.!！:：;；、-—"
RATING_WORDS = (("非常满意", "satisfied"), ("基本满意", "basically_satisfied"), ("不满意", "unsatisfied"),
                ("满意", "satisfied"))
RATING_DIGITS = {"1": "satisfied", "2": "basically_satisfied", "3": "unsatisfied"}
GREETINGS = {"你好", "您好", "在吗", "在么", "hi", "hello", "帮助", "help", "?", "？", "菜单", "说明", "怎么用"}
ITEM_SCENE_PREFIXES = ("item-", "item:", "i=")


@dataclass
class Context:
    """Who sent the push and when (naive Asia/Shanghai time, like the database)."""

    openid: str
    now: datetime
    _resident: object = field(default=None, repr=False)
    _actor: object = field(default=None, repr=False)

    @property
    def resident(self):
        if self._resident is None:
            self._resident = people.resident_for_openid(self.openid, source="oa", now=self.now)
        return self._resident

    @property
    def actor(self):
        if self._actor is None:
            self._actor = actor_for_resident(self.resident, today=self.now.date())
        return self._actor

    def prefetch(self):
        """Look up a known sender before the write transaction, so writers hold the lock briefly.

        Only reads: a first-time sender is created inside the transaction.
        """
        actor = known_resident_actor(self.openid, self.now.date())
        if actor is not None:
            self._resident, self._actor = actor.resident, actor

    def scanner(self):
        """A bound staff member scans as staff, anyone else as a resident."""
        user = staff_binding.bound_staff(self.openid)
        return actor_for_staff(user) if user is not None else self.actor


# -- text ---------------------------------------------------------------------


def parse_rating(text):
    """(score, comment) for "1"/"2"/"3" or 满意/基本满意/不满意 with an optional reason; else None."""
    text = text.strip()
    for word, score in RATING_WORDS:
        if text.startswith(word):
            return score, text[len(word):].lstrip(SEPARATORS) or None
    if text[:1] in RATING_DIGITS and (len(text) == 1 or text[1] in SEPARATORS):
        return RATING_DIGITS[text[0]], text[1:].lstrip(SEPARATORS) or None
    return None


def on_text(msg, ctx):
    """Text: an item number (查询), a rating, a greeting, or a new report."""
    content = (msg.content or "").strip()
    match = NUMBER_RE.match(content)
    if match:
        return query_status(match.group(1), ctx)
    if not content or content.lower() in GREETINGS:
        return replies.HELP
    if content in KEYWORDS:
        return CLICK_HANDLERS[KEYWORDS[content]](ctx)
    answered = community_answer(content, ctx)
    if answered is not None:
        return answered
    rating = parse_rating(content)
    if rating is not None:
        item = queries.awaiting_rating(ctx.resident)
        if item is not None:
            return rate(item, rating, ctx)
        if content in RATING_DIGITS or len(content) < MIN_REPORT_CHARS:
            return replies.NOTHING_TO_RATE
    if len(content) < MIN_REPORT_CHARS:
        return replies.TOO_SHORT
    return report(content, ctx)


def report(content, ctx):
    """Step 1 by chat: collect the problem and tell its number (a re-sent message: the number it has)."""
    content, conduct = catalog.split_conduct_keyword(content)
    earlier = intake.earlier_chat_report(ctx.actor, content, now=ctx.now)
    if earlier is not None:
        return replies.already_reported(earlier)
    item = intake.collect(ctx.actor, content, "wechat", community=ctx.resident.community, conduct=conduct,
                          now=ctx.now)
    if ctx.resident.community is None:
        return replies.reported(item, conduct, ask_community=_community_names())
    return replies.reported(item, conduct)


def _community_names():
    return [c["name"] for c in communities.list_communities()]


def community_answer(content, ctx):
    """The answer to "which community?" (asked with a numbered list after a report, while
    the resident has none): its number or its name sets it. None if this isn't one."""
    if ctx.resident.community is not None:
        return None
    names = _community_names()
    by_number = content.isdigit() and 1 <= int(content) <= len(names)
    if not by_number and content not in names:
        return None
    item = _recent_report(ctx)
    if item is None or item.status not in TRIAGE:
        return None
    if by_number:
        # A digit also rates: it answers "请您评价" when that was asked after the report.
        waiting = queries.awaiting_rating(ctx.resident)
        if waiting is not None and waiting.resolved_at >= item.created_at:
            return None
    name = names[int(content) - 1] if by_number else content
    item = intake.answer_community(item, ctx.actor, name, now=ctx.now)
    return replies.community_set(item, name)


def query_status(number, ctx):
    """An item's status, deadline and latest step (作风 items only for those who may see them)."""
    viewer = ctx.actor
    item = queries.visible_item(number, viewer)
    return replies.status(queries.public_view(item, viewer=viewer, now=ctx.now))


def rate(item, rating, ctx):
    """Step 6 by chat: the reporter's verdict after the "please rate" push."""
    score, comment = rating
    item = judging.rate(item, ctx.actor, score, comment=comment, source="wechat", now=ctx.now)
    return replies.rated(item, score)


# -- image, voice, location: details of a report made within 30 minutes --------


def _recent_report(ctx):
    return queries.latest_report(ctx.resident, since=ctx.now - DETAIL_WINDOW)


def on_image(msg, ctx):
    """A photo for the report made within 30 minutes (fetched later by the jobs process)."""
    item = _recent_report(ctx)
    if item is None:
        return replies.NEED_TEXT_FIRST["image"]
    item = intake.add_report_detail(item, ctx.actor, media_id=msg.media_id, media_kind="image", now=ctx.now)
    return replies.detail_added(item, "image")


def on_voice(msg, ctx):
    """A voice note: WeChat's recognition is added to the recent report, or starts a new one."""
    text = (msg.recognition or "").strip()
    item = _recent_report(ctx)
    if item is None:
        if len(text) < MIN_REPORT_CHARS:
            return replies.NEED_TEXT_FIRST["voice"]
        return report(text, ctx)
    item = intake.add_report_detail(item, ctx.actor, text=text or None, media_id=msg.media_id,
                                    media_kind="voice", now=ctx.now)
    return replies.detail_added(item, "voice", text=text)


def on_location(msg, ctx):
    """A place (Location_X is latitude, Location_Y longitude) for the recent report."""
    item = _recent_report(ctx)
    if item is None:
        return replies.NEED_TEXT_FIRST["location"]
    lat, lng = msg.location
    item = intake.add_report_detail(item, ctx.actor, lat=float(lat), lng=float(lng), label=msg.label or None,
                                    media_kind="location", now=ctx.now)
    return replies.detail_added(item, "location", label=msg.label)


# -- events ---------------------------------------------------------------------


def on_subscribe(msg, ctx):
    """A new follower: pushes may go to them again; say how to report."""
    people.set_subscribed(ctx.openid, True, now=ctx.now)
    return replies.WELCOME


def on_unsubscribe(msg, ctx):
    """Stop pushes to someone who left (the item stays visible in the mini-program)."""
    people.set_subscribed(ctx.openid, False, now=ctx.now)
    return None


def on_subscribe_scan(msg, ctx):
    """Followed by scanning a code: welcome them, then act on the code."""
    people.set_subscribed(ctx.openid, True, now=ctx.now)
    answer = on_scan(msg, ctx)
    return replies.WELCOME if answer is None else answer


def item_number_in(scene):
    scene = (scene or "").strip()
    for prefix in ITEM_SCENE_PREFIXES:
        if scene.startswith(prefix):
            scene = scene[len(prefix):]
            break
    return scene if queries.NUMBER_RE.match(scene) else None


def on_scan(msg, ctx):
    """A parametric QR code: a staff binding code, or an item's code (follow it)."""
    scene = str(msg.scene_id or "")
    if staff_binding.is_binding_scene(scene):
        return bind_staff(scene, ctx)
    number = item_number_in(scene)
    if number is None:
        return replies.UNKNOWN_CODE if scene else None
    return follow_item(number, ctx)


def bind_staff(scene, ctx):
    """Bind this WeChat to the staff account the code was printed for."""
    user, previous = staff_binding.bind(scene, ctx.openid, now=ctx.now)
    return replies.bound(user, ROLE_LABELS.get(user.role, user.role), previous)


def follow_item(number, ctx):
    """Follow a scanned item and show its status: whoever scans follows only what
    they may see (`queries.visible_item`, the rule the API follows too)."""
    actor = ctx.scanner()
    item = oversight.follow(queries.visible_item(number, actor), actor, now=ctx.now)
    return replies.following(queries.public_view(item, viewer=actor, now=ctx.now))


def on_click(msg, ctx):
    """Menu buttons (keys in wechat/menu.json)."""
    handler = CLICK_HANDLERS.get(msg.key or "")
    return handler(ctx) if handler else None


def click_report(ctx):
    return replies.REPORT_HOWTO


def click_my_items(ctx):
    return replies.my_items(lists.list_mine(ctx.resident, page=1, per_page=5, now=ctx.now))


def click_board(ctx):
    return replies.board(lists.board(page=1, per_page=5, now=ctx.now))


def click_supervisor(ctx):
    staff = staff_binding.bound_staff(ctx.openid)
    if staff is not None:
        return replies.supervisor_info(staff=staff)
    return replies.supervisor_info(badge=valid_badge(ctx.resident, today=ctx.now.date()))


def on_template_finish(msg, ctx):
    """WeChat's receipt for a template message: confirm or fail its outbox row."""
    inbound.delivery_receipt(msg._data.get("MsgID"), msg._data.get("Status"), now=ctx.now)
    return None


# Menu words typed as text do what the menu button does.
KEYWORDS = {"查询": "MY_ITEMS", "进度": "MY_ITEMS", "查进度": "MY_ITEMS", "我的诉求": "MY_ITEMS",
            "我的": "MY_ITEMS", "公示": "BOARD", "办理公示": "BOARD", "督办员": "SUPERVISOR",
            "督办": "SUPERVISOR", "我要反映": "REPORT", "反映": "REPORT", "反映问题": "REPORT"}

CLICK_HANDLERS = {
    "REPORT": click_report,
    "MY_ITEMS": click_my_items,
    "BOARD": click_board,
    "SUPERVISOR": click_supervisor,
}

# MsgType (messages) or "event:" + Event (lower case, as wechatpy names them) → handler.
HANDLERS = {
    "text": on_text,
    "image": on_image,
    "voice": on_voice,
    "location": on_location,
    "event:subscribe": on_subscribe,
    "event:subscribe_scan": on_subscribe_scan,
    "event:unsubscribe": on_unsubscribe,
    "event:scan": on_scan,
    "event:click": on_click,
    "event:templatesendjobfinish": on_template_finish,
    "event:subscribe_msg_popup_event": events.on_subscribe_popup,
    "event:subscribe_msg_change_event": events.on_subscribe_change,
    "event:subscribe_msg_sent_event": events.on_subscribe_sent,
    "event:scancode_push": events.on_scancode,
    "event:scancode_waitmsg": events.on_scancode,
}


def handler_key(msg):
    if msg.type == "event":
        return "event:" + (msg.event or "")
    if msg.type == "unknown" and str(msg._data.get("MsgType") or "").lower() == "event":
        # Events wechatpy has no class for (subscribe_msg_*_event) arrive as UnknownMessage.
        return "event:" + str(msg._data.get("Event") or "").lower()
    return msg.type


def dispatch(msg, ctx):
    """Reply text for `msg` (None: answer `success`). Domain errors become their message."""
    handler = HANDLERS.get(handler_key(msg))
    if handler is None or not ctx.openid:
        return None
    try:
        return handler(msg, ctx)
    except DomainError as error:
        return error.message
