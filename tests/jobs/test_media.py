"""Photos and voice sent by chat are downloaded from WeChat's media API and stored."""
from pathlib import Path

import models
from jobs.sending import fetch_media
from pipeline import intake
from pipeline.queries import public_view

from jobs_support import later


def chat_photo(world, loop, now, media_id):
    item = loop.collect(now)
    intake.add_report_detail(item, world.actor("zhang"), media_id=media_id, now=later(now, minutes=1))
    return item, models.Photo.get(models.Photo.media_id == media_id)


def test_a_chat_photo_is_fetched_stored_and_shown(app, world, loop, wechat_api, now):
    item, photo = chat_photo(world, loop, now, "media-roof-leak")
    assert public_view(item)["photos"] == []
    assert fetch_media(now) == {"stored": 1}
    photo = models.Photo.get_by_id(photo.id)
    assert photo.path == f"wechat/202611/{photo.id}.jpg" and (photo.width, photo.height) == (32, 24)
    stored = Path(app.config["UPLOAD_DIR"]) / photo.path
    assert stored.read_bytes()[:2] == b"\xff\xd8"  # a JPEG
    [call] = wechat_api.calls_to("media/get")
    assert call["query"]["media_id"] == "media-roof-leak"
    assert fetch_media(later(now, minutes=1)) == {}
    assert [p["url"] for p in public_view(item)["photos"]] == [f"/uploads/{photo.id}"]


def test_media_wechat_no_longer_has_is_given_up(app, world, loop, wechat_api, now):
    _, photo = chat_photo(world, loop, now, "missing-expired")
    assert fetch_media(now) == {"failed": 1}
    attempt = models.MediaFetch.get(models.MediaFetch.photo == photo.id)
    assert attempt.gave_up and "40007" in attempt.last_error
    assert fetch_media(later(now, days=1)) == {}
    assert models.Photo.get_by_id(photo.id).path is None


def test_a_network_failure_is_retried_later(app, world, loop, wechat_api, now):
    _, photo = chat_photo(world, loop, now, "media-street-light")
    wechat_api.fail_next("media/get", "drop")
    assert fetch_media(now) == {"failed": 1}
    attempt = models.MediaFetch.get(models.MediaFetch.photo == photo.id)
    assert not attempt.gave_up and attempt.next_attempt_at == later(now, seconds=30)
    assert fetch_media(later(now, seconds=29)) == {}
    assert fetch_media(later(now, seconds=30)) == {"stored": 1}
    assert models.Photo.get_by_id(photo.id).path is not None


def test_after_three_days_wechat_has_forgotten_it_so_it_stops_trying(app, world, loop, wechat_api, now):
    _, photo = chat_photo(world, loop, now, "media-late")
    wechat_api.fail_next("media/get", "http500")
    assert fetch_media(later(now, days=4)) == {"failed": 1}
    assert models.MediaFetch.get(models.MediaFetch.photo == photo.id).gave_up
