"""POST /api/v1/uploads and GET /uploads/<id>: only real images, no bombs, no
metadata, a daily limit, and photos shown only where their item may be seen."""
import io
import os
import struct
import zlib
from datetime import timedelta

import pytest
from PIL import Image

import models
from pipeline.files import uploads

from shared_support import fetch, run_concurrently

GPS_IFD = 0x8825
ORIENTATION = 0x0112


def jpeg(size=(40, 20), exif=None, color=(200, 60, 40)):
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "JPEG", quality=90, **({"exif": exif} if exif else {}))
    return out.getvalue()


def png(size=(30, 30), mode="RGBA"):
    out = io.BytesIO()
    Image.new(mode, size, (10, 120, 30, 128) if mode == "RGBA" else (10, 120, 30)).save(out, "PNG")
    return out.getvalue()


def webp(size=(64, 48)):
    out = io.BytesIO()
    Image.new("RGB", size, (30, 30, 200)).save(out, "WEBP", quality=80)
    return out.getvalue()


def png_declaring(width, height):
    """A tiny, well-formed PNG file whose header claims `width` × `height` pixels."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 64))
            + chunk(b"IEND", b""))


def gps_exif():
    exif = Image.Exif()
    exif[ORIENTATION] = 6  # taken with the phone turned: display rotated 90° clockwise
    exif[0x010F] = "PhoneMaker"
    exif[0x0110] = "Model X serial 12345"
    exif[GPS_IFD] = {1: "N", 2: (31.0, 51.0, 36.5), 3: "E", 4: (117.0, 17.0, 2.25)}
    return exif


def upload(client, headers, content, name="photo.jpg", content_type="image/jpeg"):
    return client.post("/api/v1/uploads", headers=headers, content_type="multipart/form-data",
                       data={"file": (io.BytesIO(content), name, content_type)})


def upload_raw(client, headers, content, name="photo.jpg"):
    """A multipart body built here: the test client spools big bodies to a temp file it never closes."""
    boundary = "sixstep-test-boundary"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n"
            f"Content-Type: image/jpeg\r\n\r\n").encode() + content + f"\r\n--{boundary}--\r\n".encode()
    return client.post("/api/v1/uploads", headers=headers, data=body,
                       content_type=f"multipart/form-data; boundary={boundary}")


def stored_files(app):
    root = app.config["UPLOAD_DIR"]
    return sorted(os.path.join(d, f) for d, _, files in os.walk(root) for f in files) if os.path.isdir(root) else []


def stored_path(app, photo_id):
    return os.path.join(app.config["UPLOAD_DIR"], models.Photo.get_by_id(photo_id).path)


def assert_nothing_stored(app):
    assert models.Photo.select().count() == 0
    assert stored_files(app) == []


def test_a_text_file_named_jpg_is_refused_and_nothing_is_stored(app, client, auth):
    response = upload(client, auth("mp"), b"this is not a picture at all\n" * 20, "evil.jpg")
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "not_an_image"
    assert "JPEG" in response.get_json()["error"]["message"]
    assert_nothing_stored(app)


def test_truncated_jpeg_and_other_formats_are_refused(app, client, auth):
    whole = jpeg((200, 200))
    assert upload(client, auth("mp"), whole[: len(whole) // 2]).status_code == 400
    gif = io.BytesIO()
    Image.new("P", (8, 8)).save(gif, "GIF")
    refused = upload(client, auth("mp"), gif.getvalue(), "a.gif", "image/gif")
    assert refused.status_code == 400 and refused.get_json()["error"]["code"] == "not_an_image"
    assert_nothing_stored(app)


@pytest.mark.parametrize("width, height", [
    (50000, 50000),  # past twice Pillow's limit: Pillow raises DecompressionBombError
    (10000, 10000),  # past Pillow's limit: only a DecompressionBombWarning
    (7000, 6500),  # under Pillow's limit, over ours (40 megapixels)
])
def test_a_small_png_declaring_a_huge_size_is_refused(app, client, auth, width, height):
    bomb = png_declaring(width, height)
    assert len(bomb) < 200
    response = upload(client, auth("mp"), bomb, "bomb.png", "image/png")
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "image_too_big"
    assert_nothing_stored(app)


@pytest.mark.parametrize("size", [(6000, 6000), (4000, 3500)])
def test_a_lossless_photo_of_many_megapixels_is_refused_before_decoding(app, client, auth, size):
    """A PNG decodes every pixel (JPEG at a reduced scale): 36 megapixels took seconds (issue 13, finding 7)."""
    for content, name, kind in ((png_declaring(*size), "big.png", "image/png"),):
        response = upload(client, auth("mp"), content, name, kind)
        assert response.status_code == 400
        assert response.get_json()["error"]["code"] == "image_too_big"
    assert_nothing_stored(app)
    assert upload(client, auth("mp"), png((3000, 3000), mode="RGB"), "ok.png", "image/png").status_code == 201


def test_pillow_itself_only_warns_for_the_middle_bomb():
    # The case the upload code must turn into an error on its own (pytest makes warnings errors too).
    with pytest.warns(Image.DecompressionBombWarning):
        Image.open(io.BytesIO(png_declaring(10000, 10000))).close()


def test_over_the_limits_is_413_too_large_as_json(app, client, auth):
    huge = upload_raw(client, auth("mp"), jpeg() + b"\0" * (20 * 1024 * 1024))  # Flask's 12 MB request limit
    assert huge.status_code == 413
    assert huge.get_json()["error"]["code"] == "too_large"
    big = upload_raw(client, auth("mp"), jpeg() + b"\0" * (10 * 1024 * 1024 + 10))  # our 10 MB file limit
    assert big.status_code == 413
    assert big.get_json()["error"]["code"] == "too_large" and "10MB" in big.get_json()["error"]["message"]
    assert_nothing_stored(app)


def test_gps_exif_is_stripped_and_orientation_applied(app, client, auth):
    original = jpeg((40, 20), exif=gps_exif())
    with Image.open(io.BytesIO(original)) as source:  # the test photo really carries GPS
        assert source.getexif().get_ifd(GPS_IFD)[1] == "N"
    assert b"Model X serial" in original

    response = upload(client, auth("mp"), original)
    assert response.status_code == 201
    body = response.get_json()
    assert body["width"] == 20 and body["height"] == 40
    path = stored_path(app, body["id"])
    assert path.endswith(".jpg") and "photo" not in os.path.basename(path)  # a random name, not the client's
    with open(path, "rb") as handle:
        content = handle.read()
    assert b"Exif" not in content and b"Model X serial" not in content
    with Image.open(path) as stored:
        assert stored.format == "JPEG"
        assert stored.size == (20, 40)  # rotated upright
        assert len(stored.getexif()) == 0
        assert "exif" not in stored.info and "xmp" not in stored.info
    served = fetch(client, body["url"])
    assert served.status_code == 200 and served.mimetype == "image/jpeg"
    assert served.data == content
    assert served.headers["X-Content-Type-Options"] == "nosniff"


def test_png_and_webp_are_kept_in_their_format_and_large_photos_shrink(app, client, auth):
    resident = auth("mp")
    made = upload(client, resident, png(mode="RGBA"), "a.png", "image/png").get_json()
    with Image.open(stored_path(app, made["id"])) as image:
        assert image.format == "PNG" and image.mode == "RGBA" and image.size == (30, 30)
    made = upload(client, resident, webp(), "a.webp", "image/webp").get_json()
    with Image.open(stored_path(app, made["id"])) as image:
        assert image.format == "WEBP" and image.size == (64, 48)
    made = upload_raw(client, resident, jpeg((3000, 1200)), "wide.jpg").get_json()
    assert (made["width"], made["height"]) == (2560, 1024)
    with Image.open(stored_path(app, made["id"])) as image:
        assert image.size == (2560, 1024)
    # The file name and content type the client claims don't matter; the bytes do.
    made = upload(client, resident, png(mode="RGB"), "note.txt", "text/plain")
    assert made.status_code == 201 and stored_path(app, made.get_json()["id"]).endswith(".png")


def test_who_may_upload(app, client, auth):
    assert upload(client, {}, jpeg()).status_code == 401
    assert upload(client, auth("jianshe"), jpeg()).status_code == 201  # staff: progress and result photos
    missing = client.post("/api/v1/uploads", headers=auth("mp"), content_type="multipart/form-data", data={})
    assert missing.status_code == 400 and missing.get_json()["error"]["field"] == "file"
    empty = upload(client, auth("mp"), b"")
    assert empty.status_code == 400
    assert models.Photo.select().count() == 1


def test_daily_limit_on_unattached_uploads(app, client, auth, world):
    mp = world.residents["mp"]
    today = models.local_now()
    for _ in range(uploads.DAILY_LIMIT - 1):
        models.Photo.create(path="up/old.jpg", uploader_resident=mp, created_at=today)
    # Yesterday's and attached ones don't count.
    models.Photo.create(path="up/old.jpg", uploader_resident=mp, created_at=today - timedelta(days=1))
    item = models.Item.create(number="20261101-0001", status="collected", content="x", channel="miniprogram")
    models.Photo.create(item=item, path="up/old.jpg", uploader_resident=mp, created_at=today)

    resident = auth("mp")
    assert upload(client, resident, jpeg()).status_code == 201
    refused = upload(client, resident, jpeg())
    assert refused.status_code == 429
    assert refused.get_json()["error"]["code"] == "rate_limited"
    assert "30" in refused.get_json()["error"]["message"]
    assert len(stored_files(app)) == 1
    assert upload(client, auth("li"), jpeg()).status_code == 201  # someone else is not limited


def test_a_photo_attached_by_a_report_is_served_publicly_once_classified(app, client, auth, world):
    from pipeline.steps import intake

    resident = auth("mp")
    made = upload(client, resident, jpeg()).get_json()
    bare = f"/uploads/{made['id']}"
    assert fetch(client, bare).status_code == 404  # unattached: not by its sequential id alone
    assert fetch(client, bare, headers=auth("li")).status_code == 404
    assert fetch(client, bare, headers=resident).status_code == 200  # the uploader
    assert fetch(client, f"{bare}?k=wrong-key").status_code == 404
    assert fetch(client, made["url"]).status_code == 200  # the preview URL the upload answered

    item = client.post("/api/v1/items", headers=resident, json={
        "content": "小区门口下水道堵了，污水漫到路面", "community": "全椒路社区", "photos": [made["id"]]})
    assert item.status_code == 201
    photos = item.get_json()["photos"]
    assert [p["id"] for p in photos] == [made["id"]] and photos[0]["url"].startswith(f"{bare}?k=")
    # Attached to an unclassified item: its reporter's and the office's until classified
    # (the reporter's view carries an expiring key for the mini-program's <image>).
    assert fetch(client, bare).status_code == 404
    assert fetch(client, made["url"]).status_code == 404  # the preview key no longer opens it
    assert fetch(client, bare, headers=resident).status_code == 200
    assert fetch(client, bare, headers=auth("office")).status_code == 200
    assert fetch(client, photos[0]["url"]).status_code == 200
    stored = models.Item.get(models.Item.number == item.get_json()["number"])
    intake.classify(stored, world.actor("office"), category="property", leader=world.staff["leader"].id,
                    unit=world.units["jianshe"].id, tier="limited", roadmap="三日内疏通")
    public = fetch(client, bare)
    assert public.status_code == 200 and public.mimetype == "image/jpeg"
    with open(stored_path(app, made["id"]), "rb") as handle:
        assert public.data == handle.read()
    # Someone else can't attach the same upload again.
    again = client.post("/api/v1/items", headers=auth("li"), json={"content": "同一张照片再报一次",
                                                                   "photos": [made["id"]]})
    assert again.status_code == 400 and again.get_json()["error"]["field"] == "photos"
    assert fetch(client, "/uploads/999999").status_code == 404


def test_photos_of_work_style_items_are_not_public(app, client, auth):
    resident = auth("mp")
    made = upload(client, resident, jpeg()).get_json()
    item = client.post("/api/v1/items", headers=resident, json={
        "content": "窗口工作人员办事推诿，多次跑腿", "category": "cadre_conduct", "photos": [made["id"]]})
    assert item.status_code == 201
    url = f"/uploads/{made['id']}"
    assert item.get_json()["photos"][0]["url"].startswith(f"{url}?k=")  # the reporter's own view
    assert fetch(client, url).status_code == 404
    assert fetch(client, made["url"]).status_code == 404  # the preview key no longer opens it
    assert fetch(client, url, headers=auth("li")).status_code == 404
    assert fetch(client, url, headers=resident).status_code == 200  # the reporter
    assert fetch(client, url, headers=auth("office")).status_code == 200  # staff


def test_abandoned_uploads_are_purged(app, client, auth, world):
    made = upload(client, auth("mp"), jpeg()).get_json()
    path = stored_path(app, made["id"])
    kept = upload(client, auth("mp"), jpeg()).get_json()
    item = models.Item.create(number="20261101-0002", status="collected", content="x", channel="miniprogram")
    models.Photo.update(item=item).where(models.Photo.id == kept["id"]).execute()
    later = models.local_now() + timedelta(days=3)
    assert uploads.purge_unattached(app.config["UPLOAD_DIR"], now=later) == 1
    assert not os.path.exists(path)
    assert [p.id for p in models.Photo.select()] == [kept["id"]]
    assert os.path.exists(stored_path(app, kept["id"]))


def test_concurrent_uploads_never_pass_the_daily_limit(app, world):
    from pipeline.rules.errors import TooMany

    mp = world.residents["mp"]
    actor = world.actor("mp")
    for _ in range(uploads.DAILY_LIMIT - 3):
        models.Photo.create(path="up/old.jpg", uploader_resident=mp, created_at=models.local_now())
    writers, stored, refused = 8, [], []
    content = jpeg((64, 64))

    def uploader(_index):
        try:
            stored.append(uploads.store_upload(actor, io.BytesIO(content), app.config["UPLOAD_DIR"]).id)
        except TooMany:
            refused.append(1)

    errors = run_concurrently(uploader, writers)
    assert errors == []
    assert (len(stored), len(refused)) == (3, 5)
    assert len(stored_files(app)) == 3
