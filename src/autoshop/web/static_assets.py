"""Fingerprinted static files: content-hashed copies, a manifest, and the cache headers they earn.

`autoshop assets` (a build step of a deployment) copies every file of the static folder to a name
carrying a hash of its content (`css/app.css` -> `css/app.3f9a0c1d2e4b.css`, in the same folder so
relative references inside CSS still resolve) and writes `manifest.json` mapping one to the other.

With `STATIC_FINGERPRINTS` on (production's default), `url_for("static", filename="css/app.css")`
gives the hashed name from that manifest, and a hashed file is served with
`Cache-Control: public, max-age=31536000, immutable`: a browser keeps it for a year and a new
release has new names. Anything else from the static folder gets `STATIC_MAX_AGE` seconds (0:
`no-cache`, development's default, so an edited file shows at once). Without a manifest (a
development checkout never runs the build) names stay plain and everything still works.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import shutil
from pathlib import Path
from typing import Any

from flask import Flask, Response, request

MANIFEST_NAME = "manifest.json"
#: What a year of caching looks like; only ever sent for a name that holds its content's hash.
IMMUTABLE = "public, max-age=31536000, immutable"
_HASHED = re.compile(r"\.[0-9a-f]{12}(\.[^./]+)?$")
_SKIPPED_SUFFIXES = {".map", ".gz", ".br"}

log = logging.getLogger(__name__)


def fingerprint(path: Path) -> str:
    """The first 12 hex digits of the SHA-256 of the file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def _is_source(path: Path) -> bool:
    return (
        path.is_file()
        and path.name != MANIFEST_NAME
        and path.suffix not in _SKIPPED_SUFFIXES
        and not _HASHED.search(path.name)
        and not path.name.startswith(".")
    )


def build(folder: Path) -> dict[str, str]:
    """Write a hashed copy of every static file and the manifest; return the manifest.

    Copies from earlier builds stay (pages rendered by the previous release may still ask for
    them during a rolling upgrade); `clean()` removes them all.
    """
    manifest: dict[str, str] = {}
    for path in sorted(folder.rglob("*")):
        if not _is_source(path):
            continue
        relative = path.relative_to(folder).as_posix()
        hashed = path.with_name(f"{path.stem}.{fingerprint(path)}{path.suffix}")
        if not hashed.exists():
            shutil.copy2(path, hashed)
        manifest[relative] = hashed.relative_to(folder).as_posix()
    (folder / MANIFEST_NAME).write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    return manifest


def clean(folder: Path) -> int:
    """Remove the manifest and every hashed copy; return how many files went."""
    removed = 0
    for path in list(folder.rglob("*")):
        if path.is_file() and (path.name == MANIFEST_NAME or _HASHED.search(path.name)):
            path.unlink()
            removed += 1
    return removed


def load_manifest(folder: Path) -> dict[str, str]:
    """The manifest `build()` wrote, or {} when there is none (or it can't be read)."""
    try:
        data = json.loads((folder / MANIFEST_NAME).read_text())
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def init_app(app: Flask) -> None:
    """Hashed names in `url_for("static", …)` when fingerprints are on; cache headers always."""
    load_into(app)
    max_age = int(app.config.get("STATIC_MAX_AGE") or 0)

    @app.before_request
    def _manifest_check() -> None:
        _warn_once_if_missing(app)

    @app.url_defaults
    def _hashed_static_names(endpoint: str, values: dict[str, Any]) -> None:
        manifest = app.extensions["static_manifest"]
        if endpoint == "static" and values.get("filename") in manifest:
            values["filename"] = manifest[values["filename"]]

    @app.after_request
    def _static_cache_headers(response: Response) -> Response:
        if request.endpoint != "static" or response.status_code not in (200, 206, 304):
            return response
        manifest = app.extensions["static_manifest"]
        filename = str((request.view_args or {}).get("filename") or "")
        # A name from this build's manifest, or a hashed copy an earlier build left for pages
        # rendered before an upgrade: its content never changes under that name.
        if manifest and _HASHED.search(filename):
            response.headers["Cache-Control"] = IMMUTABLE
        elif max_age > 0:
            response.headers["Cache-Control"] = f"public, max-age={max_age}"
        else:
            response.headers["Cache-Control"] = "no-cache"
        response.expires = None
        return response


def load_into(app: Flask) -> dict[str, str]:
    """Read the manifest of `app.static_folder` when STATIC_FINGERPRINTS is on (else use none).

    A missing manifest is logged once, by the first request a web process serves (not by every
    `autoshop` command, `autoshop assets` itself included, that builds the app before it exists).
    """
    manifest: dict[str, str] = {}
    missing = None
    if app.config.get("STATIC_FINGERPRINTS"):
        folder = Path(app.static_folder or "")
        manifest = load_manifest(folder)
        missing = None if manifest else folder
    app.extensions["static_manifest"] = manifest
    app.extensions["static_manifest_missing"] = missing
    return manifest


def _warn_once_if_missing(app: Flask) -> None:
    folder = app.extensions.get("static_manifest_missing")
    if folder is not None:
        app.extensions["static_manifest_missing"] = None
        log.warning(
            "STATIC_FINGERPRINTS is on but %s has no %s: run `autoshop assets`; "
            "static files are served under their plain names meanwhile",
            folder,
            MANIFEST_NAME,
        )
