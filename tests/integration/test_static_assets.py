"""Fingerprinted static files: `autoshop assets` writes hashed copies and a manifest; with
STATIC_FINGERPRINTS on, pages link the hashed names, served for a year; without, plain names."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from autoshop.web import static_assets

STYLESHEETS = re.compile(r'<link rel="stylesheet" href="/static/([^"]+)"')


@pytest.fixture
def static_copy(app, tmp_path):
    """The app's own static files (app.css, booking.js, the vendored Bootstrap), in a folder
    the test may build into, so the source tree is never written."""
    folder = tmp_path / "static"
    shutil.copytree(app.static_folder, folder, ignore=shutil.ignore_patterns("manifest.json"))
    app.static_folder = str(folder)
    return folder


def _fetch(client, path: str):
    """GET a static file and close it (a file response holds the file open until closed)."""
    with client.get(path) as response:
        return response.status_code, response.headers, response.get_data()


def _build(app, folder: Path) -> dict[str, str]:
    result = app.test_cli_runner().invoke(args=["assets"])
    assert result.exit_code == 0, result.output
    assert "Fingerprinted" in result.output
    static_assets.load_into(app)
    return json.loads((folder / "manifest.json").read_text())


@pytest.mark.settings(STATIC_FINGERPRINTS=True, STATIC_MAX_AGE=300)
def test_pages_link_hashed_names_served_for_a_year(app, client, static_copy):
    manifest = _build(app, static_copy)
    hashed = manifest["css/app.css"]
    assert re.fullmatch(r"css/app\.[0-9a-f]{12}\.css", hashed)
    assert (static_copy / hashed).read_bytes() == (static_copy / "css/app.css").read_bytes()

    sheets = STYLESHEETS.findall(client.get("/").get_data(as_text=True))
    assert hashed in sheets
    assert manifest["vendor/bootstrap/bootstrap.min.css"] in sheets
    assert "css/app.css" not in sheets

    status, headers, body = _fetch(client, f"/static/{hashed}")
    assert status == 200
    assert headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert body == (static_copy / "css/app.css").read_bytes()

    status, headers, _ = _fetch(client, "/static/css/app.css")
    assert status == 200
    assert headers["Cache-Control"] == "public, max-age=300"


@pytest.mark.settings(STATIC_FINGERPRINTS=True)
def test_a_changed_file_gets_a_new_name_and_the_old_copy_stays(app, client, static_copy):
    first = _build(app, static_copy)["js/booking.js"]
    with (static_copy / "js/booking.js").open("a") as script:
        script.write("\n// changed\n")
    second = _build(app, static_copy)["js/booking.js"]
    assert second != first
    # A page rendered by the previous release may still ask for the old name.
    assert _fetch(client, f"/static/{first}")[0] == 200
    assert _fetch(client, f"/static/{second}")[2].endswith(b"// changed\n")
    # Building again doesn't fingerprint the fingerprinted copies.
    assert not any(name.count(".") > 2 for name in _build(app, static_copy) if "vendor" not in name)

    result = app.test_cli_runner().invoke(args=["assets", "--clean"])
    assert result.exit_code == 0, result.output
    assert not (static_copy / "manifest.json").exists()
    assert not (static_copy / first).exists() and not (static_copy / second).exists()
    assert (static_copy / "js/booking.js").exists()


@pytest.mark.settings(STATIC_FINGERPRINTS=True, STATIC_MAX_AGE=300)
def test_without_a_build_production_serves_plain_names(app, client, static_copy, caplog):
    (static_copy / "manifest.json").unlink(missing_ok=True)
    static_assets.load_into(app)
    with caplog.at_level("WARNING"):
        sheets = STYLESHEETS.findall(client.get("/").get_data(as_text=True))
        client.get("/services")
    # Said once, by the first request (not by every command that builds the app).
    assert caplog.text.count("run `autoshop assets`") == 1
    assert "css/app.css" in sheets
    status, headers, _ = _fetch(client, "/static/css/app.css")
    assert status == 200
    assert headers["Cache-Control"] == "public, max-age=300"


def test_development_ignores_a_manifest_and_revalidates(app, client, static_copy):
    """A checkout where someone once ran the build still shows edits at once."""
    _build(app, static_copy)
    assert app.config["STATIC_FINGERPRINTS"] is False
    assert STYLESHEETS.findall(client.get("/").get_data(as_text=True))[-1] == "css/app.css"
    assert _fetch(client, "/static/css/app.css")[1]["Cache-Control"] == "no-cache"
