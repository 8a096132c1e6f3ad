"""Photo uploads (`POST /api/v1/uploads`) and serving them (`GET /uploads/<id>`).

`/uploads/<id>` is public because the mini-program's <image> can't send a
token; `pipeline.files.uploads.served_photo` decides what the asker may see.
"""
from flask import Blueprint, current_app, jsonify, request, send_file

from pipeline.files.uploads import served_photo, store_upload, upload_json
from pipeline.rules.errors import Invalid
from web.auth import allow, current_actor, optional_actor
from web.limits import UPLOAD, limiter

bp = Blueprint("api_uploads", __name__)


@bp.post("/api/v1/uploads")
@limiter.limit(UPLOAD)
@allow("photo.upload")
def upload():
    """One image in the multipart field `file` → 201 {id, url, width, height}."""
    file = request.files.get("file")
    if file is None:
        raise Invalid("请选择要上传的图片", field="file")
    config = current_app.config
    photo = store_upload(current_actor(), file.stream, config["UPLOAD_DIR"],
                         limit=config.get("UPLOAD_DAILY_LIMIT", 30))
    return jsonify(upload_json(photo)), 201


@bp.get("/uploads/<int:photo_id>")
@allow("photo.read")
def photo(photo_id):
    path, mimetype = served_photo(photo_id, optional_actor(), request.args.get("k"),
                                  current_app.config["UPLOAD_DIR"])
    return photo_response(path, mimetype)


def photo_response(path, mimetype):
    """A stored photo, never kept by shared caches nor run as anything but an image."""
    response = send_file(path, mimetype=mimetype, conditional=True, max_age=300)
    # Private: an item reclassified into 作风 must not linger in a shared cache.
    response.cache_control.public = False
    response.cache_control.private = True
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
