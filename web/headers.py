"""Headers on every response of the web app (the API, the console, the H5 pages).

- `X-Content-Type-Options: nosniff`: a browser never runs a JSON body or an
  uploaded photo as anything else.
- `Cache-Control: no-store` unless the response chose its own caching (photos
  are `private` for a few minutes) or is a static asset (CSS, scripts, fonts):
  residents' data and signed-in pages stay out of shared and browser caches.
"""
from flask import Flask, Response, request


def _static() -> bool:
    return bool(request.endpoint) and str(request.endpoint).split(".")[-1] == "static"


def init_headers(app: Flask) -> None:
    @app.after_request
    def _secure(response: Response) -> Response:
        response.headers["X-Content-Type-Options"] = "nosniff"
        if not _static() and "Cache-Control" not in response.headers:
            response.headers["Cache-Control"] = "no-store"
        return response
