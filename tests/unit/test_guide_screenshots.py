"""The guides show only pictures `make screenshots` takes, and every one of them is there."""

from __future__ import annotations

import re
from pathlib import Path

from tests.screenshots.guide_screenshots import FOLDER, files

ROOT = Path(__file__).resolve().parents[2]
GUIDES = [ROOT / "docs" / "STAFF_GUIDE.md", ROOT / "docs" / "CUSTOMER_GUIDE.md"]
IMAGE = re.compile(r"!\[[^\]]*\]\(([^)\s]+)\)")


def referenced() -> dict[str, list[str]]:
    return {guide.name: IMAGE.findall(guide.read_text()) for guide in GUIDES}


def test_every_picture_a_guide_shows_is_taken_by_make_screenshots_and_exists():
    taken = set(files())
    for guide, images in referenced().items():
        assert images, f"{guide} shows no pictures"
        for image in images:
            assert image.startswith("screenshots/"), f"{guide}: {image} isn't in docs/screenshots/"
            name = image.removeprefix("screenshots/")
            assert name in taken, f"{guide}: `make screenshots` doesn't take {name}"
            assert (FOLDER / name).is_file(), f"{guide}: {name} is missing: run `make screenshots`"


def test_every_picture_taken_is_shown_and_none_is_left_over():
    shown = {
        image.removeprefix("screenshots/") for images in referenced().values() for image in images
    }
    assert set(files()) <= shown, f"taken but not shown: {sorted(set(files()) - shown)}"
    on_disk = {path.name for path in FOLDER.glob("*.png")}
    assert on_disk == set(files()), f"stale or missing: {sorted(on_disk ^ set(files()))}"
