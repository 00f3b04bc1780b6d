"""Walk routes as anonymous, customer A, customer B, mechanic and admin; assert who gets what."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import Flask

from tests.support.factories import Factories

LOGIN = "login"  # a 302 redirect to the login page
ANY = "any"  # not checked here (another test checks it with real data)
PERSONAS = ("anonymous", "customer_a", "customer_b", "mechanic", "admin")


@dataclass
class Route:
    """What each persona gets for one request: 200, 403, 404 or LOGIN."""

    path: str
    expect: dict[str, int | str]
    method: str = "GET"
    data: dict[str, Any] = field(default_factory=dict)


@dataclass
class Personas:
    customer_a: Any
    customer_b: Any
    mechanic: Any
    admin: Any


def make_personas(factories: Factories) -> Personas:
    return Personas(
        customer_a=factories.customer(email="customer.a@example.com"),
        customer_b=factories.customer(email="customer.b@example.com"),
        mechanic=factories.mechanic(email="mechanic@example.com"),
        admin=factories.admin(email="admin@example.com"),
    )


def walk(app: Flask, personas: Personas, routes: list[Route]) -> None:
    """Request every route as every persona; collect every mismatch, then fail once with all."""
    from tests.conftest import submit_form

    failures: list[str] = []
    for persona in PERSONAS:
        client = app.test_client()
        if persona != "anonymous":
            user = getattr(personas, persona)
            response = submit_form(
                client, "/account/login", {"email": user.email, "password": Factories.PASSWORD}
            )
            assert response.status_code == 302, f"{persona} could not log in"
        for route in routes:
            expected = route.expect[persona]
            if expected == ANY:
                continue
            response = client.open(route.path, method=route.method, data=route.data)
            got: int | str = response.status_code
            if got == 302 and "/account/login" in response.headers.get("Location", ""):
                got = LOGIN
            if got != expected:
                failures.append(
                    f"{route.method} {route.path} as {persona}: expected {expected}, got {got}"
                )
    assert not failures, "\n".join(failures)
