"""Staff management: invitations, roles, deactivation, password resets, the last admin, landing."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
import time_machine

from autoshop.extensions import db
from autoshop.models import Notification, User
from tests.conftest import csrf_token_from, submit_form
from tests.support.access import LOGIN, Route, make_personas, walk
from tests.support.factories import Factories

NOW = datetime(2026, 11, 30, 13, 0, tzinfo=UTC)
NEW_PASSWORD = "lug-nut-torque-wrench-19"


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def boss(factories):
    return factories.admin(email="boss@example.com", first_name="Dana", last_name="Reyes")


@pytest.fixture
def admin_client(client, boss, login):
    login(boss)
    return client


def post(client, path, data=None):
    token = csrf_token_from(client.get("/admin/staff").get_data(as_text=True))
    return client.post(path, data={**(data or {}), "csrf_token": token})


def invite(client, **overrides):
    data = {
        "first_name": "Mike",
        "last_name": "Chen",
        "email": "mike.chen@example.com",
        "role": "mechanic",
    }
    data.update(overrides)
    return post(client, "/admin/staff/invite", data)


def invitation_link(email: str) -> str:
    mail = db.session.scalar(
        sa.select(Notification).where(
            Notification.recipient == email, Notification.kind == "staff_invite"
        )
    )
    assert mail is not None, f"no invitation to {email}"
    match = re.search(r"https?://\S+(/account/invite/\S+)", mail.body_text)
    assert match, mail.body_text
    return match.group(1)


def user(email: str) -> User | None:
    db.session.expire_all()
    return db.session.scalar(sa.select(User).where(User.email == email))


def counts() -> tuple[int, int]:
    return (
        db.session.scalar(sa.select(sa.func.count(User.id))) or 0,
        db.session.scalar(sa.select(sa.func.count(Notification.id))) or 0,
    )


# POSTs are walked without CSRF tokens: the role check is what this test is about.
@pytest.mark.settings(WTF_CSRF_CHECK_DEFAULT=False, SECURITY_CSRF_PROTECT_MECHANISMS=[])
def test_every_staff_route_is_for_admins_only(app, factories):
    personas = make_personas(factories)
    other = factories.mechanic(email="other.mechanic@example.com")

    def admin_only(path, method="GET", admin=200):
        expect = {"anonymous": LOGIN, "customer_a": 403, "customer_b": 403, "mechanic": 403}
        return Route(path, {**expect, "admin": admin}, method=method)

    walk(
        app,
        personas,
        [
            admin_only("/admin/staff"),
            admin_only("/admin/appointments"),
            admin_only("/admin/appointments.csv"),
            admin_only("/admin/staff/invite", "POST", admin=400),  # empty form
            admin_only(f"/admin/staff/{other.id}/role", "POST", admin=400),
            admin_only(f"/admin/staff/{other.id}/reset-password", "POST", admin=302),
            admin_only(f"/admin/staff/{other.id}/deactivate", "POST", admin=302),
            admin_only(f"/admin/staff/{other.id}/reactivate", "POST", admin=302),
        ],
    )
    assert user("other.mechanic@example.com").active  # deactivated and reactivated by the admin


def test_an_admin_invites_a_mechanic_who_sets_a_password_and_lands_on_their_jobs(admin_client, app):
    response = invite(admin_client)
    assert response.status_code == 302
    page = admin_client.get("/admin/staff").get_data(as_text=True)
    assert "Mike Chen is invited as a mechanic" in page
    assert "Invited, no password yet" in page
    mike = user("mike.chen@example.com")
    assert mike.password is None and mike.active and [r.name for r in mike.roles] == ["mechanic"]
    mail = db.session.scalar(sa.select(Notification).where(Notification.kind == "staff_invite"))
    assert mail.subject.startswith("You're invited")
    assert "Dana Reyes has invited you" in mail.body_text
    link = invitation_link("mike.chen@example.com")

    fresh = app.test_client()
    assert fresh.get(link).status_code == 200
    # The registration rules: a weak password is refused, nothing saved.
    weak = submit_form(fresh, link, {"password": "password1", "password_confirm": "password1"})
    assert weak.status_code == 400
    assert user("mike.chen@example.com").password is None
    mismatch = submit_form(
        fresh, link, {"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD + "x"}
    )
    assert mismatch.status_code == 400
    assert "The two passwords don&#39;t match." in mismatch.get_data(as_text=True)
    done = submit_form(fresh, link, {"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD})
    assert done.status_code == 302 and done.headers["Location"].endswith("/account/start")
    assert fresh.get("/account/start").headers["Location"].endswith("/staff/today")
    assert fresh.get("/staff/today").status_code == 200  # logged in
    mike = user("mike.chen@example.com")
    assert mike.password and mike.confirmed_at is not None

    # Used once: the link now answers 410 with a clear page.
    used = app.test_client().get(link)
    assert used.status_code == 410
    assert "already used" in used.get_data(as_text=True)
    # And the password works on the login form.
    other = app.test_client()
    login = submit_form(
        other, "/account/login", {"email": "mike.chen@example.com", "password": NEW_PASSWORD}
    )
    assert login.status_code == 302
    assert other.get(login.headers["Location"]).headers["Location"].endswith("/staff/today")


def test_an_expired_or_tampered_invitation_gets_a_clear_page(admin_client, app, frozen):
    invite(admin_client, email="late@example.com")
    link = invitation_link("late@example.com")
    tampered = app.test_client().get(link[:-3] + "abc")
    assert tampered.status_code == 400
    assert "isn&#39;t valid" in tampered.get_data(as_text=True)
    frozen.shift(timedelta(days=8))
    fresh = app.test_client()
    expired = fresh.get(link)
    assert expired.status_code == 410
    assert "has expired" in expired.get_data(as_text=True)
    assert user("late@example.com").password is None


def test_a_deactivated_invitee_can_not_use_the_link(admin_client, app):
    invite(admin_client, email="gone@example.com")
    link = invitation_link("gone@example.com")
    gone = user("gone@example.com")
    post(admin_client, f"/admin/staff/{gone.id}/deactivate")
    assert app.test_client().get(link).status_code == 410


def test_admins_land_on_the_dashboard_customers_at_home_and_next_is_kept(app, factories, boss):
    customer = factories.customer()
    for who, where in ((boss, "/admin/"), (customer, "/")):
        client = app.test_client()
        response = submit_form(
            client, "/account/login", {"email": who.email, "password": Factories.PASSWORD}
        )
        assert client.get(response.headers["Location"]).headers["Location"].endswith(where)
    client = app.test_client()
    response = submit_form(
        client,
        "/account/login?next=/admin/appointments",
        {"email": boss.email, "password": Factories.PASSWORD},
    )
    assert response.headers["Location"].endswith("/admin/appointments")


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"email": "boss@example.com"}, "An account with this email already exists."),
        ({"email": "BOSS@Example.com"}, "An account with this email already exists."),
        ({"email": "not-an-email"}, "Enter an email address like name@example.com."),
        ({"email": ""}, "Enter their email address."),
        ({"first_name": ""}, "Enter their first name."),
        ({"role": "customer"}, "Not a valid choice"),
        ({"role": "owner"}, "Not a valid choice"),
        ({"first_name": "Mi\nke"}, "line"),
    ],
)
def test_a_bad_invitation_is_a_form_error_and_nothing_is_written(admin_client, overrides, message):
    before = counts()
    response = invite(admin_client, **overrides)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True).replace("&#39;", "'")
    assert counts() == before


def test_a_stale_invitation_form_is_refused(admin_client):
    before = counts()
    response = admin_client.post(
        "/admin/staff/invite",
        data={
            "first_name": "Mike",
            "last_name": "Chen",
            "email": "mike@example.com",
            "role": "mechanic",
            "csrf_token": "stale-token",
        },
    )
    assert response.status_code == 400
    assert counts() == before


def test_roles_change_both_ways(admin_client, factories):
    sam = factories.mechanic(email="sam@example.com", first_name="Sam", last_name="Okafor")
    up = post(
        admin_client, f"/admin/staff/{sam.id}/role", {"role": "admin", "seen_role": "mechanic"}
    )
    assert up.status_code == 302
    assert [r.name for r in user("sam@example.com").roles] == ["admin"]
    assert "Sam Okafor is now an admin." in admin_client.get("/admin/staff").get_data(as_text=True)
    down = post(
        admin_client, f"/admin/staff/{sam.id}/role", {"role": "mechanic", "seen_role": "admin"}
    )
    assert down.status_code == 302
    assert [r.name for r in user("sam@example.com").roles] == ["mechanic"]


def test_a_role_change_from_a_stale_page_is_refused(admin_client, factories):
    sam = factories.admin(email="sam@example.com", first_name="Sam", last_name="Okafor")
    response = post(
        admin_client, f"/admin/staff/{sam.id}/role", {"role": "admin", "seen_role": "mechanic"}
    )
    assert response.status_code == 409
    assert "changed meanwhile" in response.get_data(as_text=True)
    assert [r.name for r in user("sam@example.com").roles] == ["admin"]


def test_a_bad_role_or_an_unknown_person_is_refused(admin_client, factories):
    sam = factories.mechanic(email="sam@example.com")
    for data in ({"role": "customer", "seen_role": "mechanic"}, {"role": "admin"}):
        assert post(admin_client, f"/admin/staff/{sam.id}/role", data).status_code == 400
    assert [r.name for r in user("sam@example.com").roles] == ["mechanic"]
    customer = factories.customer()
    for action in ("deactivate", "reactivate", "reset-password"):
        assert post(admin_client, f"/admin/staff/999999/{action}").status_code == 404
        assert post(admin_client, f"/admin/staff/{customer.id}/{action}").status_code == 404
    assert user(customer.email).active


def test_the_last_active_admin_can_not_be_demoted_or_deactivated(admin_client, boss, factories):
    inactive = factories.admin(email="old.boss@example.com", active=False)
    for path, data in (
        (f"/admin/staff/{boss.id}/role", {"role": "mechanic", "seen_role": "admin"}),
        (f"/admin/staff/{boss.id}/deactivate", {}),
    ):
        response = post(admin_client, path, data)
        assert response.status_code == 409
        assert "the only active admin" in response.get_data(as_text=True)
    boss = user("boss@example.com")
    assert boss.active and [r.name for r in boss.roles] == ["admin"]
    assert not user(inactive.email).active
    # With a second active admin, either may step down.
    second = factories.admin(email="second@example.com")
    response = post(
        admin_client, f"/admin/staff/{second.id}/role", {"role": "mechanic", "seen_role": "admin"}
    )
    assert response.status_code == 302


def test_an_admin_may_step_down_while_another_admin_remains(admin_client, boss, factories):
    factories.admin(email="second@example.com")
    response = post(
        admin_client, f"/admin/staff/{boss.id}/role", {"role": "mechanic", "seen_role": "admin"}
    )
    assert response.status_code == 302
    assert admin_client.get("/admin/staff").status_code == 403  # no longer an admin


def test_a_deactivated_person_can_not_log_in_and_keeps_their_history(admin_client, app, factories):
    mike = factories.mechanic(email="mike@example.com", first_name="Mike", last_name="Chen")
    job = factories.appointment(mechanic=mike)
    session = app.test_client()
    submit_form(session, "/account/login", {"email": mike.email, "password": Factories.PASSWORD})
    assert session.get("/staff/today").status_code == 200

    response = post(admin_client, f"/admin/staff/{mike.id}/deactivate")
    assert response.status_code == 302
    assert not user(mike.email).active
    assert session.get("/staff/today").status_code == 302  # the open session ended
    again = submit_form(
        app.test_client(), "/account/login", {"email": mike.email, "password": Factories.PASSWORD}
    )
    assert again.status_code == 200  # the login form again, nobody logged in
    db.session.expire_all()
    assert job.mechanic_id == mike.id  # history stays
    page = admin_client.get("/admin/staff").get_data(as_text=True)
    assert "Deactivated" in page
    assert post(admin_client, f"/admin/staff/{mike.id}/deactivate").status_code == 409  # stale

    assert post(admin_client, f"/admin/staff/{mike.id}/reactivate").status_code == 302
    back = app.test_client()
    login = submit_form(
        back, "/account/login", {"email": mike.email, "password": Factories.PASSWORD}
    )
    assert login.status_code == 302
    assert post(admin_client, f"/admin/staff/{mike.id}/reactivate").status_code == 409


def test_a_password_reset_goes_out_through_the_outbox(admin_client, app, factories):
    mike = factories.mechanic(email="mike@example.com", first_name="Mike")
    response = post(admin_client, f"/admin/staff/{mike.id}/reset-password")
    assert response.status_code == 302
    mail = db.session.scalar(
        sa.select(Notification).where(Notification.recipient == "mike@example.com")
    )
    assert mail.kind == "account_reset_instructions"
    assert mail.subject == "Reset your AutoShop password"
    link = re.search(r"https?://\S+(/account/reset/\S+)", mail.body_text)
    assert link, mail.body_text
    fresh = app.test_client()
    reset = submit_form(
        fresh, link.group(1), {"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD}
    )
    assert reset.status_code == 302
    login = submit_form(
        app.test_client(), "/account/login", {"email": mike.email, "password": NEW_PASSWORD}
    )
    assert login.status_code == 302


def test_no_reset_for_a_deactivated_or_invited_account(admin_client, factories):
    asleep = factories.mechanic(email="asleep@example.com", active=False)
    invite(admin_client, email="new@example.com")
    new = user("new@example.com")
    before = counts()
    for person, message in ((asleep, "reactivate the account first"), (new, "invitation")):
        response = post(admin_client, f"/admin/staff/{person.id}/reset-password")
        assert response.status_code == 409
        assert message in response.get_data(as_text=True).replace("&#39;", "'")
    assert counts() == before


def _race(app, jobs) -> list[str]:
    """Start every job at once (a barrier), each in its own app context and connection."""
    import threading

    from autoshop.services.staff_admin import StaffChangeRefused

    barrier = threading.Barrier(len(jobs))
    outcomes = [""] * len(jobs)

    def run(i: int) -> None:
        with app.app_context():
            barrier.wait(timeout=60)
            try:
                jobs[i]()
                outcomes[i] = "done"
            except StaffChangeRefused:
                outcomes[i] = "refused"
            except Exception as exc:
                outcomes[i] = f"error: {exc!r}"
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(jobs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return outcomes


@pytest.mark.parametrize("repeat", range(3))
def test_two_admins_stepping_down_at_once_leave_one_admin(app, factories, repeat):
    """Each sees another active admin; under the locks only one of them may go."""
    from autoshop.domain.choices import Role
    from autoshop.services import staff_admin

    first = factories.admin(email=f"first{repeat}@example.com")
    second = factories.admin(email=f"second{repeat}@example.com")
    db.session.commit()
    outcomes = _race(
        app,
        [
            lambda: staff_admin.change_role(first.id, Role.MECHANIC, expected=Role.ADMIN),
            lambda: staff_admin.deactivate(second.id),
        ],
    )
    assert sorted(outcomes) == ["done", "refused"], outcomes
    db.session.expire_all()
    admins = [
        u
        for u in db.session.scalars(sa.select(User))
        if u.active and any(r.name == "admin" for r in u.roles)
    ]
    assert len(admins) == 1
