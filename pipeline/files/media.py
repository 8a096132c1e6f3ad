"""Photos and voice sent by chat: a Photo row with a WeChat `media_id` and no
`path` until the jobs process downloads it (`path` is relative to UPLOAD_DIR).

WeChat keeps temporary media for three days; a media id it no longer knows
(40007) or a photo older than that is given up, and the item simply shows no
picture for it.
"""
from datetime import datetime, timedelta

from peewee import JOIN

from models import MediaFetch, Photo
from pipeline.rules.core import transaction

MAX_ATTEMPTS = 8
MEDIA_LIFETIME = timedelta(days=3)
RETRY_BASE = timedelta(seconds=30)
RETRY_CAP = timedelta(hours=1)


def pending(now: datetime, limit: int = 20) -> list[Photo]:
    """Chat media still to download whose next try is due, oldest first."""
    return list(
        Photo.select()
        .join(MediaFetch, JOIN.LEFT_OUTER, on=(MediaFetch.photo == Photo.id))
        .where(Photo.media_id.is_null(False) & Photo.path.is_null()
               & (MediaFetch.id.is_null() | (~MediaFetch.gave_up & (MediaFetch.next_attempt_at <= now))))
        .order_by(Photo.id)
        .limit(limit)
    )


def _fetch_row(photo: Photo, now: datetime) -> MediaFetch:
    row = MediaFetch.get_or_none(MediaFetch.photo == photo.id)
    if row is None:
        MediaFetch.insert(photo=photo.id, attempts=0, next_attempt_at=now).on_conflict_ignore().execute()
        row = MediaFetch.get(MediaFetch.photo == photo.id)
    return row


def stored(photo: Photo, path: str, now: datetime, width: int | None = None, height: int | None = None) -> bool:
    """The file is under UPLOAD_DIR at `path`: the photo now shows. False if already stored."""
    with transaction():
        updated = (Photo.update(path=path, width=width, height=height)
                   .where((Photo.id == photo.id) & Photo.path.is_null()).execute())
        row = _fetch_row(photo, now)
        MediaFetch.update(attempts=row.attempts + 1, last_error=None).where(MediaFetch.id == row.id).execute()
    return bool(updated)


def failed(photo: Photo, now: datetime, error: str | None, permanent: bool = False) -> bool:
    """A download failed: try again later with back-off, or give up. Returns True if given up."""
    with transaction():
        row = _fetch_row(photo, now)
        attempts = row.attempts + 1
        expired = photo.created_at is not None and now - photo.created_at > MEDIA_LIFETIME
        give_up = permanent or expired or attempts >= MAX_ATTEMPTS
        wait = min(RETRY_BASE * 2 ** (attempts - 1), RETRY_CAP)
        (MediaFetch.update(attempts=attempts, next_attempt_at=now + wait, last_error=(error or "")[:2000],
                           gave_up=give_up)
         .where(MediaFetch.id == row.id).execute())
    return give_up
