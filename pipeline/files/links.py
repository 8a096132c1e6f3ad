"""Expiring links to the photos of items the public may not see.

The mini-program shows photos with `<image src>`, which cannot send the
resident's token, so a private item's photos (unclassified, 作风) would not
show even to their reporter. The view given to someone allowed to see the item
carries each photo's URL with a key that expires; anyone else gets nothing from
`/uploads/<id>`. The key is signed with the installation's SECRET_KEY (file
names can't serve: a chat photo's is its sequential id).
"""
from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta

from models import Photo
from pipeline.rules.settings import settings

LIFETIME = timedelta(hours=12)
# Keys change once an hour, not every second, so a view read twice is the same view.
STEP = 3600


def _signature(photo: Photo, expires: int) -> str:
    message = f"photo:{photo.id}:{photo.path}:{expires}".encode()
    return hmac.new(settings.secret_key, message, hashlib.sha256).hexdigest()[:32]


def signed_key(photo: Photo, now: datetime) -> str | None:
    """`<expires>.<signature>`: good until at least LIFETIME from `now`."""
    if not photo.path:
        return None
    expires = (int((now + LIFETIME).timestamp()) // STEP + 1) * STEP
    return f"{expires}.{_signature(photo, expires)}"


def signed_key_holds(photo: Photo, key: str | None, now: datetime) -> bool:
    """Whether `key` is this photo's signed key and has not expired."""
    if not key or not photo.path or "." not in key:
        return False
    expires_text, signature = key.split(".", 1)
    if not expires_text.isdigit() or int(expires_text) < now.timestamp():
        return False
    return hmac.compare_digest(signature.encode(), _signature(photo, int(expires_text)).encode())
