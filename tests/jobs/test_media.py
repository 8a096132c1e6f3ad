"""Photos and voice sent by chat are downloaded from WeChat's media API and stored."""
from pathlib import Path

import models
from jobs.sending import fetch_media
from pipeline.steps import intake
from pipeline.views.queries import public_view
from wechat.fake import ROUTES as fake_routes

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
    # Not classified yet: shown to those who may see the item through an expiring key.
    [url] = [p["url"] for p in public_view(item)["photos"]]
    assert url.startswith(f"/uploads/{photo.id}?k=")


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


def test_voice_is_stored_as_sent_and_a_broken_photo_is_given_up(app, world, loop, wechat_api, now, monkeypatch):
    answers = {"media-voice": ("audio/amr", b"#!AMR\n" + b"\x00" * 32), "media-broken": ("image/jpeg", b"not a jpeg")}

    def media_get(fake, query, data):
        content_type, body = answers[query["media_id"]]
        return 200, content_type, body, 0

    monkeypatch.setitem(fake_routes, "cgi-bin/media/get", (True, media_get))
    _, voice = chat_photo(world, loop, now, "media-voice")
    _, broken = chat_photo(world, loop, later(now, minutes=2), "media-broken")
    assert fetch_media(now) == {"stored": 1, "failed": 1}
    voice = models.Photo.get_by_id(voice.id)
    assert voice.path == f"wechat/202611/{voice.id}.amr"
    assert (Path(app.config["UPLOAD_DIR"]) / voice.path).read_bytes().startswith(b"#!AMR")
    attempt = models.MediaFetch.get(models.MediaFetch.photo == broken.id)
    assert attempt.gave_up and "not_an_image" in attempt.last_error
