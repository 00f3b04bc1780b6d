"""Error pages for people, problem+json for the API and JSON clients, and CSRF on every form."""

from __future__ import annotations

import pytest


def test_unknown_page_is_a_404_page(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    body = response.get_data(as_text=True)
    assert "Page not found" in body and 'href="/"' in body


def test_unknown_api_route_is_problem_json(client):
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    problem = response.get_json()
    assert problem["status"] == 404
    assert problem["title"] == "Page not found"
    assert problem["type"].endswith("/page-not-found")


def test_json_clients_get_problem_json_anywhere(client):
    response = client.get("/missing", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"


def test_form_without_csrf_token_is_refused_clearly(client, make_user):
    user = make_user()
    response = client.post(
        "/account/login", data={"email": user.email, "password": "correct-horse-battery-staple-42"}
    )
    assert response.status_code == 400
    assert "security token is missing" in response.get_data(as_text=True)
    assert client.get("/account/").status_code == 302  # not logged in


def test_wrong_method_is_405_with_allow_header(client):
    response = client.delete("/services")
    assert response.status_code == 405
    assert "GET" in response.headers["Allow"]


@pytest.mark.settings(PROPAGATE_EXCEPTIONS=False)
def test_unexpected_error_is_a_500_page_and_rolls_back(app, client):
    @app.get("/boom-for-test")
    def boom():
        raise RuntimeError("boom")

    response = client.get("/boom-for-test")
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.get_data(as_text=True)
    response = client.get("/api/boom-for-test")
    assert response.status_code == 404  # the API namespace has no such route


def test_security_headers(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    cookie = client.get("/account/login").headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
