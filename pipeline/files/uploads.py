"""Photo uploads: check that a file really is a JPEG, PNG or WebP image, re-encode
it without any metadata, store it under UPLOAD_DIR and keep a Photo row that is
unattached until an operation (step 1 report, progress, result) attaches it.

Why re-encode every upload: phone photos carry EXIF with the GPS position of the
resident's home and the phone's serial; a file is only trusted after Pillow has
decoded every pixel of it; and a 12-megapixel photo is shrunk to what a phone
screen and a printed sheet need.

Who may see a stored photo (`served_photo`): one attached to an item is public
exactly when the item is (`queries.can_view`: 作风 items are not); an unattached
one only to its uploader (bearer token) or to whoever holds the URL that the
upload answered, which carries a key from the file's random name. Photo ids are
sequential, so the id alone must not be enough.
"""
import hmac
import io
import os
import secrets
import warnings
from datetime import datetime, timedelta
from typing import Any, BinaryIO

from PIL import Image, ImageOps
from werkzeug.security import safe_join

from models import Photo, Resident, StaffUser, as_local
from models.base import is_postgres
from pipeline.files.links import signed_key_holds
from pipeline.rules.actors import Actor
from pipeline.rules.core import transaction
from pipeline.rules.errors import DomainError, Forbidden, Invalid, NotFound, TooMany
from pipeline.views.queries import can_view

MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000  # JPEG: decoded at a reduced scale (`draft`), so a 40-megapixel photo stays cheap
# PNG and WebP decode every pixel at full size (a 36-megapixel PNG of 120 KB took seconds):
# photos from a phone in these formats are screenshots, a few megapixels.
MAX_LOSSLESS_PIXELS = 12_000_000
MAX_SIDE = 2560  # long side after downscaling
JPEG_QUALITY = 85
WEBP_QUALITY = 85
DAILY_LIMIT = 30  # unattached uploads one person may hold per day
FORMATS = {"JPEG": ("jpg", "image/jpeg"), "PNG": ("png", "image/png"), "WEBP": ("webp", "image/webp")}
SERVED_TYPES = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".webp": "image/webp",
                ".gif": "image/gif", ".amr": "audio/amr", ".mp3": "audio/mpeg", ".speex": "audio/speex"}
KEY_BYTES = 18


class TooLarge(DomainError):
    """413: the file is over the size limit."""

    status = 413
    code = "too_large"


def _owner_clause(actor: Actor) -> Any:
    if actor.kind == "resident":
        return Photo.uploader_resident == actor.id
    if actor.kind == "staff":
        return Photo.uploader_staff == actor.id
    raise Forbidden("只有群众和工作人员可以上传照片", code="forbidden")


def held_today(actor: Actor, now: datetime) -> int:
    """How many unattached uploads `actor` made since midnight (local time)."""
    midnight = datetime.combine(now.date(), datetime.min.time())
    return (Photo.select()
            .where(_owner_clause(actor) & Photo.item.is_null() & (Photo.created_at >= midnight))
            .count())


def _check_quota(actor: Actor, now: datetime, limit: int) -> None:
    if held_today(actor, now) >= limit:
        raise TooMany(f"今天上传的照片已达{limit}张，请先提交问题后再上传", code="rate_limited")


def _read_limited(stream: BinaryIO, max_bytes: int) -> bytes:
    data = stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise TooLarge(f"图片不能超过{max_bytes // (1024 * 1024)}MB", code="too_large", field="file")
    if not data:
        raise Invalid("上传的文件是空的", field="file")
    return data


def _open_checked(data: bytes, max_pixels: int) -> Image.Image:
    """Open with Pillow (JPEG/PNG/WebP only) and refuse decompression bombs before decoding."""
    not_image = Invalid("只能上传 JPEG、PNG 或 WebP 格式的图片", code="not_an_image", field="file")
    bomb = Invalid("图片尺寸过大，请压缩后再上传", code="image_too_big", field="file")
    with warnings.catch_warnings():
        # Pillow warns (not raises) between MAX_IMAGE_PIXELS and twice that: make it an error here.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data), formats=list(FORMATS))
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise bomb from None
        except (OSError, SyntaxError, ValueError, TypeError, EOFError):
            raise not_image from None
        width, height = image.size
        allowed = max_pixels if image.format == "JPEG" else min(max_pixels, MAX_LOSSLESS_PIXELS)
        if width < 1 or height < 1 or width * height > allowed:
            image.close()
            raise bomb
        try:
            image.seek(0)  # animated PNG/WebP: the first frame only
            if image.format == "JPEG":
                image.draft("RGB", (MAX_SIDE, MAX_SIDE))  # decode large JPEGs at a reduced scale
            image.load()  # every pixel decodes, or this is not an image
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            image.close()
            raise bomb from None
        except (OSError, SyntaxError, ValueError, TypeError, EOFError, MemoryError):
            image.close()
            raise not_image from None
    return image


def _clean_copy(image: Image.Image) -> tuple[Image.Image, str | None, bytes | None]:
    """The pixels upright (EXIF orientation applied), downscaled, in a saveable mode, with no metadata."""
    source_format = image.format
    icc_profile = image.info.get("icc_profile")
    try:
        upright = ImageOps.exif_transpose(image) or image
    except Exception:  # noqa: BLE001 - a corrupt EXIF block leaves the photo as it was taken
        upright = image
    has_alpha = upright.mode in ("RGBA", "LA", "PA") or "transparency" in upright.info
    if source_format == "JPEG":
        mode = "L" if upright.mode == "L" else "RGB"
    elif upright.mode in ("L", "RGB", "RGBA", "LA") and not (upright.mode in ("L", "RGB") and has_alpha):
        mode = upright.mode
    else:
        mode = "RGBA" if has_alpha else "RGB"
    clean = upright.convert(mode) if upright.mode != mode else upright.copy()
    clean.info = {}  # EXIF (GPS, serials), XMP, text chunks, comments: all gone
    if max(clean.size) > MAX_SIDE:
        clean.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    return clean, source_format, icc_profile


def reencode(data: bytes, max_pixels: int = MAX_PIXELS) -> tuple[bytes, str, int, int]:
    """Bytes of a checked, re-encoded image: (bytes, extension, width, height)."""
    image = _open_checked(data, max_pixels)
    try:
        clean, source_format, icc_profile = _clean_copy(image)
    finally:
        image.close()
    out = io.BytesIO()
    options = {"icc_profile": icc_profile} if icc_profile else {}
    if source_format == "JPEG":
        clean.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True, **options)
    elif source_format == "WEBP":
        clean.save(out, "WEBP", quality=WEBP_QUALITY, method=4, **options)
    else:
        clean.save(out, "PNG", optimize=False, **options)
    extension = FORMATS.get(source_format or "PNG", FORMATS["PNG"])[0]  # anything else was saved as PNG
    return out.getvalue(), extension, clean.width, clean.height


def _lock_person(actor: Actor) -> None:
    """Serialise one person's uploads on PostgreSQL (SQLite's write lock already does)."""
    if not is_postgres():
        return
    model = Resident if actor.kind == "resident" else StaffUser
    model.select(model.id).where(model.id == actor.id).for_update().execute()


def write_atomically(target: str, content: bytes) -> str:
    """Write a file so readers see all of it or none (a uniquely named part, then a rename)."""
    os.makedirs(os.path.dirname(target), exist_ok=True)
    partial = f"{target}.{secrets.token_hex(4)}.part"
    with open(partial, "wb") as handle:
        handle.write(content)
    os.replace(partial, target)
    return target


def store_upload(actor: Actor, stream: BinaryIO, upload_dir: str, *, limit: int = DAILY_LIMIT,
                 max_bytes: int = MAX_BYTES, now: datetime | None = None) -> Photo:
    """Check, clean and store one uploaded image for `actor`; returns the unattached Photo.

    Refuses files over `max_bytes` (413 too_large), anything Pillow can't fully
    decode as JPEG/PNG/WebP, images over MAX_PIXELS (400), and a person's upload
    past `limit` unattached photos today (429). Nothing is written unless all is well.
    """
    now = as_local(now)
    _check_quota(actor, now, limit)  # cheap early refusal before decoding
    content, extension, width, height = reencode(_read_limited(stream, max_bytes))
    key = secrets.token_urlsafe(KEY_BYTES)
    relative = f"up/{now:%Y%m}/{key}.{extension}"
    target = None
    try:
        with transaction():
            _lock_person(actor)
            _check_quota(actor, now, limit)
            target = write_atomically(os.path.join(upload_dir, relative), content)
            photo = Photo.create(
                item=None, kind="report", path=relative, width=width, height=height, created_at=now,
                uploader_resident=actor.resident if actor.kind == "resident" else None,
                uploader_staff=actor.staff if actor.kind == "staff" else None,
            )
    except BaseException:
        if target and os.path.exists(target):
            os.remove(target)
        raise
    return photo


def preview_key(photo: Photo) -> str | None:
    """The key that lets an unattached photo's URL work without a token (its file's random name)."""
    if not photo.path:
        return None
    return os.path.splitext(os.path.basename(photo.path))[0]


def upload_url(photo: Photo) -> str:
    """The URL an upload answers with: the public `/uploads/<id>` plus the preview key."""
    return f"/uploads/{photo.id}?k={preview_key(photo)}"


def upload_json(photo: Photo) -> dict[str, Any]:
    return {"id": photo.id, "url": upload_url(photo), "width": photo.width, "height": photo.height}


def _is_uploader(photo: Photo, viewer: Actor | None) -> bool:
    if viewer is None:
        return False
    if viewer.kind == "resident":
        return photo.uploader_resident_id == viewer.id
    return viewer.kind == "staff" and photo.uploader_staff_id == viewer.id


def served_photo(photo_id: int, viewer: Actor | None, key: str | None, upload_dir: str) -> tuple[str, str]:
    """The file to send for `/uploads/<id>`: (absolute path, mimetype), or NotFound.

    Attached photos follow their item's visibility, or need the signed key that a
    private item's view carries (`pipeline.files.links`); unattached ones need the
    uploader's token or the preview key.
    """
    missing = NotFound("图片不存在", code="not_found")
    photo = Photo.get_or_none(Photo.id == photo_id)
    if photo is None or not photo.path:
        raise missing
    if photo.item_id is not None:
        if not can_view(photo.item, viewer) and not signed_key_holds(photo, key, as_local(None)):
            raise missing
    elif not _is_uploader(photo, viewer):
        expected = preview_key(photo) or ""
        if not key or not hmac.compare_digest(str(key).encode(), expected.encode()):
            raise missing
    path = safe_join(upload_dir, photo.path)
    if path is None or not os.path.isfile(path):
        raise missing
    mimetype = SERVED_TYPES.get(os.path.splitext(path)[1].lower(), "application/octet-stream")
    return path, mimetype


def purge_unattached(upload_dir: str, older_than: timedelta = timedelta(days=2), now: datetime | None = None) -> int:
    """Delete uploads nobody attached within `older_than` (a report abandoned half-way).

    For the jobs process; returns how many were removed.
    """
    now = as_local(now)
    stale = list(Photo.select().where(Photo.item.is_null() & Photo.media_id.is_null()
                                      & (Photo.created_at < now - older_than)))
    removed = 0
    for photo in stale:
        with transaction():
            deleted = Photo.delete().where((Photo.id == photo.id) & Photo.item.is_null()).execute()
        if deleted and photo.path:
            path = safe_join(upload_dir, photo.path)
            if path and os.path.isfile(path):
                os.remove(path)
            removed += 1
    return removed
