"""What the official account says back, in one place, and how it is rendered.

Replies are passive text replies (no API call: the webhook must answer within
5 seconds). Everything echoed is made CDATA-safe; WeChat shows at most about
2048 bytes, so long texts are cut.
"""
from wechatpy.replies import TextReply

from pipeline.messages.notify import cut
from pipeline.rules.states import RESOLVED, SCORES, UNDER_DEADLINE, WITH_RESULT

from .security import escape_cdata

MAX_REPLY_CHARS = 600

WELCOME = (
    "您好，欢迎关注！这里是街道“六步工作法”群众诉求服务号。\n\n"
    "【反映问题】直接发送文字，说清楚在哪里、什么问题（如“幸福小区3号楼楼道灯坏了一周”），我们登记编号后交办处理；"
    "登记后30分钟内可再发照片、语音或位置补充。\n"
    "【查询进度】发送事项编号，如 20260302-0001。\n"
    "【评价结果】办结后回复 1 满意、2 基本满意、3 不满意（可附原因），不满意的会返回重新交办。"
)
HELP = (
    "发送文字描述您遇到的问题即可反映（说清楚地点和情况）；"
    "发送事项编号（如 20260302-0001）可查询进度；办结后回复 1 满意、2 基本满意、3 不满意进行评价。"
)
REPORT_HOWTO = (
    "请直接在对话框发送文字，说明问题发生的地点和具体情况，例如：\n"
    "“幸福小区3号楼门口的路灯坏了一周，晚上很黑。”\n\n"
    "登记后会告诉您事项编号；30分钟内可再发送照片、语音或位置（点“+”选“位置”）补充到这件事。\n"
    "反映干部作风问题，请以“作风：”开头，只有您本人和街道活动办可以查看。"
)
TOO_SHORT = "请再具体一些：在哪个小区、哪栋楼或哪条路，遇到了什么问题？说清楚后我们马上登记。"
NOTHING_TO_RATE = "您目前没有待评价的事项。如需反映新问题，请直接发送文字描述。"
NEED_TEXT_FIRST = {
    "image": "请先用文字描述您反映的问题，登记编号后30分钟内再发送照片，就会补充到这件事。",
    "location": "请先用文字描述您反映的问题，登记编号后30分钟内再发送位置，就会补充到这件事。",
    "voice": "没能识别出语音内容，请用文字描述您反映的问题。",
}
DETAIL_LABELS = {"image": "照片", "voice": "语音", "location": "位置"}
BUSY = "系统繁忙，请稍后再试。"
UNKNOWN_CODE = "二维码无效或已过期。"
NOT_ITEM_CODE = (
    "抱歉，这不是“六步工作法”的事项二维码。请扫描交办单或公示上的事项二维码，"
    "也可以直接发送事项编号（如 20260302-0001）查询办理进度。"
)


def render_text(message, content):
    """A rendered text reply to `message` (XML string), CDATA-safe and cut to length."""
    content = content if len(content) <= MAX_REPLY_CHARS else content[: MAX_REPLY_CHARS - 1] + "…"
    reply = TextReply(
        message=message,
        source=escape_cdata(message.target or ""),
        target=escape_cdata(message.source or ""),
        content=escape_cdata(content),
    )
    return reply.render()


def reported(item, conduct=False, ask_community=None):
    """The reply to a report; `ask_community`: the communities to ask the resident to pick
    from (they have none yet), as a numbered list."""
    private = "已按干部作风问题登记，仅您本人和街道活动办可以查看。\n" if conduct else ""
    text = (
        f"您反映的问题已登记，编号：{item.number}\n{private}"
        "接下来30分钟内，可直接发送照片、语音或位置（点“+”选“位置”）补充到这件事。\n"
        "发送编号可随时查询办理进度，有进展会推送给您。"
    )
    if ask_community:
        listed = "\n".join(f"{n}. {name}" for n, name in enumerate(ask_community, 1))
        text += f"\n\n请问您住在哪个社区？回复序号即可：\n{listed}"
    return text


def community_set(item, name):
    return f"已记下您所在的社区：{name}，事项 {item.number} 已归入该社区。以后反映的问题将自动归入该社区。"


def already_reported(number):
    return (
        f"这个问题刚才已经登记过了，编号：{number}，不用重复发送。\n"
        "发送编号可随时查询办理进度，有进展会推送给您。"
    )


def detail_added(item, kind, text=None, label=None):
    line = f"{DETAIL_LABELS.get(kind, '材料')}已补充到事项 {item.number}。"
    if kind == "voice" and text:
        line += f"\n识别内容：{cut(text, 80)}"
    if kind == "location" and label:
        line += f"\n位置：{cut(label, 60)}"
    return line


def status(view):
    """An item's status, deadline and latest step, from `queries.public_view`."""
    lines = [f"事项 {view['number']}：{cut(view['content'], 40)}"]
    state = view["status_label"] + ("（已超期）" if view.get("overdue") else "")
    if view.get("round", 1) > 1:
        state += f"，第{view['round']}轮办理"
    lines.append(f"状态：{state}")
    if view.get("unit"):
        lines.append(f"承办单位：{view['unit']['name']}")
    if view.get("due") and view["status"] in UNDER_DEADLINE:
        lines.append(f"办结时限：{view['due'][:10]}")
    steps = view.get("timeline") or []
    if steps:
        last = steps[-1]
        when = last["at"][5:16].replace("T", " ")
        note = f"：{cut(last['note'], 60)}" if last.get("note") else ""
        lines.append(f"最新进展：{when} {last['label']}{note}")
    if view.get("merged_into"):
        lines.append(f"已与事项 {view['merged_into']} 合并办理，发送该编号可查询。")
    if view.get("reject_reason"):
        lines.append(f"不予受理原因：{cut(view['reject_reason'], 80)}")
    if view.get("result") and view["status"] in WITH_RESULT:
        lines.append(f"办理结果：{cut(view['result'], 80)}")
    if view.get("rating"):
        lines.append(f"群众评价：{view['rating']['label']}")
    if view.get("can_rate"):
        lines.append("请回复 1 满意、2 基本满意、3 不满意（可附原因）进行评价。")
    return "\n".join(lines)


def rated(item, score):
    if item.wide_concern and item.status == RESOLVED:
        # 涉及群众面较广: the rating is recorded; the residents' evaluation meeting decides.
        return (f"已收到您的评价：{SCORES[score]}。事项 {item.number} 涉及群众面较广，"
                "结果已公示，将召开群众评议会，由评议结果决定办结或返回重新办理。")
    if score == "unsatisfied":
        return (
            f"已收到您的评价：不满意。事项 {item.number} 将返回重新交办，"
            "直至问题解决、您满意为止，请留意后续推送。"
        )
    label = "满意" if score == "satisfied" else "基本满意"
    return f"感谢您的评价：{label}。事项 {item.number} 已办结归档。"


def following(view):
    return "您已关注该事项，办理进展会推送给您。\n" + status(view)


def bound(user, role_label, previous=None):
    who = user.name + f"（{role_label}" + (f"·{user.unit.name}" if user.unit_id else "") + "）"
    text = f"绑定成功！您的微信已绑定为 {who}，今后交办、时限提醒和超期催办会推送到这里。"
    if previous is not None:
        text += f"\n原来绑定的“{previous.name}”账号已解除绑定。"
    return text


def my_items(listing):
    rows = listing["items"]
    if not rows:
        return "您还没有反映过问题。直接发送文字描述，即可反映。"
    lines = [f"您反映的问题（最近{len(rows)}件，共{listing['total']}件）："]
    for row in rows:
        flag = "，已超期" if row.get("overdue") else ""
        lines.append(f"{row['number']} {row['status_label']}{flag} {cut(row['content'], 16)}")
    lines.append("发送编号可查看详情。")
    return "\n".join(lines)


def board(listing):
    rows = listing["items"]
    if not rows:
        return "暂无办结公示。"
    lines = ["最近办结公示："]
    for row in rows:
        outcome = row.get("outcome_label") or "已办结"
        rating = f"，群众评价{row['rating']['label']}" if row.get("rating") else ""
        lines.append(f"{row['number']} {cut(row['content'], 14)}：{outcome}{rating}")
    lines.append("发送编号可查看详情。")
    return "\n".join(lines)


def supervisor_info(badge=None, staff=None):
    if staff is not None and staff.role == "supervisor":
        return (f"您是督办小组成员 {staff.name}。扫描事项二维码即可关注督办；"
                "您负责片区的事项，请在工作台中查看、填写督办意见或催办。")
    if badge is not None:
        return (f"您是群众督办员（督办证 {badge.number}，有效期至 {badge.valid_until:%Y-%m-%d}）。"
                "扫描事项二维码即可关注督办，并可在小程序中填写督办意见、催办。")
    return (
        "群众督办员持“督办证”监督事项办理，可关注、督办、催办，并参与评议。\n"
        "愿意担任督办员的，请到街道活动办登记领取督办证，领取后在小程序“我的”里绑定。\n"
        "任何人都可以扫描事项二维码，关注办理进度。"
    )
