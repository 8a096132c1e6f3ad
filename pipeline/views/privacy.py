"""Personal data in what the public sees: phone and ID numbers masked in free
text, names masked, and places made coarse (community and street, never a
house number or exact coordinates).

Residents write their numbers however they like — 139-0000-1111, 139 0000 2222,
+86 13900001111, full-width １３９…, a landline 021-55556666, an ID card number —
so every form is found, not only eleven plain digits.
"""
import re

FULL_WIDTH_DIGITS = str.maketrans("０１２３４５６７８９＋－", "0123456789+-")
_SEP = r"[\s\-]?"
# Each: the pattern and how to mask a match (keeping enough to recognise one's own number).
_MOBILE = re.compile(rf"(?<![\d+])(?:(?:\+|00)?86{_SEP})?(1[3-9]\d){_SEP}\d{{4}}{_SEP}(\d{{4}})(?!\d)")
_ID_CARD = re.compile(r"(?<!\d)(\d{3})\d{11}(\d{3}[\dXx])(?![\dXx])|(?<!\d)(\d{3})\d{8}(\d{4})(?!\d)")
_LANDLINE = re.compile(rf"[(（]?(?<!\d)(0\d{{2,3}})[)）]?{_SEP}\d{{3,4}}{_SEP}(\d{{4}})(?!\d)|(?<!\d)\d{{3,4}}-(\d{{4}})(?!\d)")

HOUSE_NUMBER = re.compile(r"[\d一二三四五六七八九十百零〇两]+\s*(?:号|栋|幢|座|楼|单元|室|弄|巷|层|户|排|组)|\d")


def mask_phone(text: str | None) -> str | None:
    """Text with every phone (mobile, landline, +86) and ID-card number masked."""
    if not text:
        return text
    text = text.translate(FULL_WIDTH_DIGITS)
    text = _ID_CARD.sub(lambda m: f"{m.group(1) or m.group(3)}********{m.group(2) or m.group(4)}", text)
    text = _MOBILE.sub(r"\1****\2", text)
    return _LANDLINE.sub(lambda m: f"{m.group(1)}-****{m.group(2)}" if m.group(1) else f"****{m.group(3)}", text)


def mask_name(name: str | None) -> str | None:
    if not name:
        return name
    return name[0] + "*" * max(len(name) - 1, 1)


def coarse_place(address: str | None) -> str | None:
    """The part of an address before any house, building or room number
    ("幸福路12号3栋" → "幸福路"), or None when nothing coarser is left."""
    if not address:
        return None
    match = HOUSE_NUMBER.search(address.translate(FULL_WIDTH_DIGITS))
    place = (address[:match.start()] if match else address).strip(" ,，、;；:：-（(")
    return place or None
