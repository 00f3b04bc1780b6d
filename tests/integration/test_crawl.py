"""Follow every link of the demo shop as each kind of visitor: no page may answer 5xx, and every
HTML page has one h1 and a main landmark."""

from __future__ import annotations

import re
from collections import deque
from datetime import UTC, datetime

import pytest
import time_machine

from tests.conftest import submit_form

NOW = datetime(2026, 12, 2, 15, 30, tzinfo=UTC)  # a Wednesday, 10:30 in New York
LINK = re.compile(r'href="(/[^"#]*)"')
SKIP = ("/static/", "/account/logout", "/api/v1/openapi.json")
LIMIT = 250


def crawl(client) -> dict[str, int]:
    seen: dict[str, int] = {}
    queue = deque(["/"])
    while queue and len(seen) < LIMIT:
        path = queue.popleft().replace("&amp;", "&")
        if path in seen or path.startswith(SKIP):
            continue
        response = client.get(path)
        seen[path] = response.status_code
        assert response.status_code < 500, f"{path} answered {response.status_code}"
        if response.status_code in (301, 302, 303):
            queue.append(response.headers["Location"])
        elif response.mimetype == "text/html":
            page = response.get_data(as_text=True)
            assert page.count("<h1") == 1, f"{path} has {page.count('<h1')} h1 elements"
            assert '<main id="main"' in page, f"{path} has no main landmark"
            # A month of calendar links per page is enough: don't walk months forever.
            queue.extend(p for p in LINK.findall(page) if "month=" not in p or "day=" in p)
    return seen


@pytest.mark.parametrize("who", ["anonymous", "customer", "mechanic", "admin"])
def test_every_page_reachable_by_links_answers_without_error(app, who):
    with time_machine.travel(NOW, tick=False):
        assert app.test_cli_runner().invoke(args=["seed-demo"]).exit_code == 0
        client = app.test_client()
        if who != "anonymous":
            email = {
                "customer": "maria.garcia@example.com",
                "mechanic": "mike.chen@example.com",
                "admin": "admin@example.com",
            }[who]
            from autoshop.services.demo import DEMO_PASSWORD

            response = submit_form(
                client, "/account/login", {"email": email, "password": DEMO_PASSWORD}
            )
            assert response.status_code == 302
        seen = crawl(client)
    assert len(seen) > 5, seen
