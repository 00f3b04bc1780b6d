"""Reviews from the customer's history, editing for 7 days, the admin's replies and hiding (with
an audit), and the ratings on the public pages and in the API."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
import time_machine

from autoshop.domain.status import AppointmentStatus as S
from autoshop.extensions import db
from autoshop.models import Review, ReviewEvent
from autoshop.services import ratings, reviews
from tests.conftest import submit_form
from tests.support.access import LOGIN, Route, make_personas, walk

NOW = datetime(2026, 12, 10, 15, 0, tzinfo=UTC)
VISIT = datetime(2026, 12, 2, 15, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def _count(model=Review) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model)) or 0


def _visit(
    factories, customer, *, service=None, status=S.COMPLETED, starts_at=VISIT, location=None
):
    return factories.appointment(
        customer=customer,
        services=[service] if service else None,
        status=status,
        starts_at=starts_at,
        location=location,
    )


def test_a_customer_reviews_a_visit_from_their_history_and_it_shows_on_the_service_page(
    client, factories, login
):
    dana = factories.customer(first_name="Dana", last_name="Kowalski", email="dana@example.com")
    service = factories.service("Brake pads")
    visit = _visit(factories, dana, service=service)
    login(dana)
    history = client.get("/appointments").get_data(as_text=True)
    assert f"/appointments/{visit.reference}/review" in history
    response = submit_form(
        client,
        f"/appointments/{visit.reference}/review",
        {"rating": "4", "comment": "<script>alert(1)</script> Quick & friendly"},
    )
    assert response.status_code == 303
    (review,) = db.session.scalars(sa.select(Review)).all()
    assert (review.rating, review.created_at) == (4, NOW)
    assert review.comment == "<script>alert(1)</script> Quick & friendly"  # stored as typed

    page = client.get(f"/services/{service.id}").get_data(as_text=True)
    assert "Dana K." in page
    assert "Kowalski" not in page and "dana@example.com" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Quick &amp; friendly" in page
    assert "<script>alert(1)" not in page
    assert "4.0" in page and "(1 review)" in page
    listing = client.get("/services").get_data(as_text=True)
    assert "Dana K." in listing and "<script>alert(1)" not in listing


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"rating": "6"}, "Not a valid choice"),
        ({"rating": "0"}, "Not a valid choice"),
        ({"comment": "no stars"}, "Choose a rating."),
        ({"rating": "5", "comment": "x" * 2001}, "under 2000 characters"),
    ],
)
def test_bad_review_input_is_refused_and_nothing_is_saved(client, factories, login, data, message):
    customer = factories.customer()
    visit = _visit(factories, customer)
    login(customer)
    response = submit_form(client, f"/appointments/{visit.reference}/review", data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert _count() == 0


def test_a_visit_that_is_not_completed_or_not_theirs_cannot_be_reviewed(client, factories, login):
    customer = factories.customer()
    other = factories.customer()
    location = factories.location()
    scheduled = _visit(factories, customer, status=S.SCHEDULED, location=location)
    theirs = _visit(factories, other, location=location, starts_at=VISIT - timedelta(days=3))
    login(customer)
    page = client.get(f"/appointments/{scheduled.reference}/review")
    assert page.status_code == 409
    assert "once the work is complete" in page.get_data(as_text=True)
    assert client.get(f"/appointments/{theirs.reference}/review").status_code == 404
    with pytest.raises(reviews.ReviewError) as refused:
        reviews.submit_review(theirs, rating=5, comment="", now=NOW, author=customer)
    assert refused.value.status == 404
    with pytest.raises(reviews.ReviewError):
        reviews.submit_review(scheduled, rating=5, comment="", now=NOW, author=customer)
    assert _count() == 0


def test_one_review_per_visit(factories):
    customer = factories.customer()
    visit = _visit(factories, customer)
    first = reviews.submit_review(visit, rating=5, comment="great", now=NOW, author=customer)
    again = reviews.submit_review(visit, rating=1, comment="again", now=NOW, author=customer)
    assert again.id == first.id and _count() == 1
    db.session.refresh(first)
    assert (first.rating, first.comment) == (5, "great")
    # The database itself refuses a second row for the visit.
    with pytest.raises(sa.exc.IntegrityError):
        db.session.add(Review(appointment_id=visit.id, rating=3, comment="", created_at=NOW))
        db.session.commit()
    db.session.rollback()
    assert _count() == 1


def test_the_author_can_edit_for_seven_days_then_it_is_read_only(client, factories, login):
    customer = factories.customer()
    visit = _visit(factories, customer)
    review = factories.review(visit, rating=3, comment="Okay", created_at=NOW - timedelta(days=6))
    login(customer)
    path = f"/appointments/{visit.reference}/review"
    page = client.get(path).get_data(as_text=True)
    assert "You can change your review until" in page and "Okay" in page
    response = submit_form(client, path, {"rating": "5", "comment": "Better than I thought"})
    assert response.status_code == 303
    db.session.refresh(review)
    assert (review.rating, review.comment, review.updated_at) == (5, "Better than I thought", NOW)

    later = NOW + timedelta(days=1, minutes=1)  # 7 days and a minute after it was written
    with time_machine.travel(later, tick=False):
        page = client.get(path)
        text = page.get_data(as_text=True)
        assert page.status_code == 200 and 'name="rating"' not in text
        assert "Better than I thought" in text
        token = client.get("/account/").get_data(as_text=True)
        from tests.conftest import csrf_token_from

        refused = client.post(
            path, data={"rating": "1", "comment": "Changed", "csrf_token": csrf_token_from(token)}
        )
        assert refused.status_code == 403
        with pytest.raises(reviews.ReviewError) as exc:
            reviews.edit_review(review.id, author=customer, rating=1, comment="x", now=later)
        assert exc.value.status == 403
    db.session.refresh(review)
    assert (review.rating, review.comment) == (5, "Better than I thought")


def test_another_customer_cannot_edit_a_review(factories):
    author = factories.customer()
    review = factories.review(_visit(factories, author), created_at=NOW)
    with pytest.raises(reviews.ReviewError) as exc:
        reviews.edit_review(
            review.id, author=factories.customer(), rating=1, comment="mine now", now=NOW
        )
    assert exc.value.status == 404
    db.session.refresh(review)
    assert review.rating == 5


def test_admin_replies_hides_with_a_reason_and_shows_again_with_an_audit(
    app, client, factories, login
):
    admin = factories.admin(first_name="Ana", last_name="Admin")
    customer = factories.customer(first_name="Rob", last_name="Rude")
    service = factories.service("Oil change")
    review = factories.review(
        _visit(factories, customer, service=service), rating=1, comment="You are all idiots"
    )
    login(admin)
    replied = submit_form(
        client,
        "/admin/reviews",
        {"reply": "Sorry to hear that; please call us."},
        action=f"/admin/reviews/{review.id}/reply",
    )
    assert replied.status_code == 303
    db.session.refresh(review)
    assert review.staff_reply == "Sorry to hear that; please call us."
    assert (review.replied_by_id, review.replied_at) == (admin.id, NOW)
    public = client.get(f"/services/{service.id}").get_data(as_text=True)
    assert "Sorry to hear that; please call us." in public

    no_reason = submit_form(
        client, "/admin/reviews", {"reason": "   "}, action=f"/admin/reviews/{review.id}/hide"
    )
    assert no_reason.status_code == 422
    assert "Say why the review is hidden." in no_reason.get_data(as_text=True)
    db.session.refresh(review)
    assert not review.hidden

    hidden = submit_form(
        client,
        "/admin/reviews",
        {"reason": "Insults staff"},
        action=f"/admin/reviews/{review.id}/hide",
    )
    assert hidden.status_code == 303
    db.session.refresh(review)
    assert (review.hidden, review.hidden_reason, review.hidden_by_id, review.hidden_at) == (
        True,
        "Insults staff",
        admin.id,
        NOW,
    )
    public = client.get(f"/services/{service.id}").get_data(as_text=True)
    assert "idiots" not in public and "No reviews yet." in public
    assert "idiots" not in client.get("/services").get_data(as_text=True)
    assert client.get("/api/v1/services").get_json()[0]["rating"] == {"average": None, "count": 0}
    listing = client.get("/admin/reviews?show=hidden").get_data(as_text=True)
    assert "idiots" in listing and "Insults staff" in listing and "Ana Admin" in listing
    # The customer still sees their own review, but never the shop's internal reason.
    own = app.test_client()
    login(customer, test_client=own)
    mine = own.get("/appointments").get_data(as_text=True)
    assert "idiots" in mine and "Insults staff" not in mine

    shown = submit_form(client, "/admin/reviews", {}, action=f"/admin/reviews/{review.id}/unhide")
    assert shown.status_code == 303
    db.session.refresh(review)
    assert not review.hidden and review.hidden_reason == ""
    events = db.session.scalars(sa.select(ReviewEvent).order_by(ReviewEvent.id)).all()
    assert [(e.action, e.actor_id, e.reason) for e in events] == [
        ("replied", admin.id, ""),
        ("hidden", admin.id, "Insults staff"),
        ("shown again", admin.id, ""),
    ]
    assert "idiots" in client.get(f"/services/{service.id}").get_data(as_text=True)


def test_the_admin_list_filters_visible_hidden_and_unreplied(client, factories, login):
    location = factories.location()
    calm = factories.review(
        _visit(factories, factories.customer(), location=location),
        comment="Calm and kind",
        staff_reply="Thanks!",
    )
    factories.review(
        _visit(factories, factories.customer(), location=location, starts_at=VISIT - timedelta(1)),
        comment="Never replied to",
    )
    factories.review(
        _visit(factories, factories.customer(), location=location, starts_at=VISIT - timedelta(2)),
        comment="Abusive words",
        hidden=True,
        hidden_reason="Abuse",
        staff_reply="Noted",
    )
    assert calm.id
    login(factories.admin())

    def shown(show: str) -> set[str]:
        html = client.get(f"/admin/reviews?show={show}").get_data(as_text=True)
        return {c for c in ("Calm and kind", "Never replied to", "Abusive words") if c in html}

    assert shown("all") == {"Calm and kind", "Never replied to", "Abusive words"}
    assert shown("visible") == {"Calm and kind", "Never replied to"}
    assert shown("hidden") == {"Abusive words"}
    assert shown("unreplied") == {"Never replied to"}
    assert shown("nonsense") == shown("all")


def test_moderation_refuses_non_admins_and_bad_input(factories):
    review = factories.review()
    for person in (review.appointment.customer, factories.mechanic()):
        for act in (
            lambda p: reviews.reply(review.id, staff=p, text="hi", now=NOW),
            lambda p: reviews.hide(review.id, staff=p, reason="x", now=NOW),
            lambda p: reviews.unhide(review.id, staff=p, now=NOW),
        ):
            with pytest.raises(reviews.ReviewError) as exc:
                act(person)
            assert exc.value.status == 403
    admin = factories.admin()
    with pytest.raises(reviews.ReviewError):
        reviews.hide(review.id, staff=admin, reason="r" * 301, now=NOW)
    with pytest.raises(reviews.ReviewError):
        reviews.reply(review.id, staff=admin, text="r" * 2001, now=NOW)
    with pytest.raises(reviews.ReviewError) as missing:
        reviews.hide(999_999, staff=admin, reason="gone", now=NOW)
    assert missing.value.status == 404
    db.session.refresh(review)
    assert (review.hidden, review.staff_reply) == (False, "")
    assert _count(ReviewEvent) == 0


def test_ratings_count_visible_reviews_of_completed_visits_with_the_service(client, factories):
    location = factories.location()
    oil = factories.service("Oil change")
    pads = factories.service("Brake pads")
    tires = factories.service("Tire rotation")

    def reviewed(services, rating, *, days, status=S.COMPLETED, hidden=False):
        visit = factories.appointment(
            location=location,
            services=services,
            status=status,
            starts_at=VISIT - timedelta(days=days),
        )
        return factories.review(visit, rating=rating, hidden=hidden)

    reviewed([oil, pads], 5, days=1)
    reviewed([oil], 4, days=2)
    reviewed([oil], 1, days=3, hidden=True)  # hidden: not counted
    reviewed([pads], 2, days=4, status=S.CANCELLED)  # not a completed visit
    got = ratings.ratings_by_service()
    assert got[oil.id] == ratings.Rating(4.5, 2)
    assert got[pads.id] == ratings.Rating(5.0, 1)
    assert tires.id not in got
    api = {s["id"]: s["rating"] for s in client.get("/api/v1/services").get_json()}
    assert api[oil.id] == {"average": 4.5, "count": 2}
    assert api[tires.id] == {"average": None, "count": 0}
    spec = client.get("/api/v1/openapi.json").get_json()
    rating = spec["components"]["schemas"]["Rating"]
    assert set(rating["properties"]) == {"average", "count"}
    assert "rating" in spec["components"]["schemas"]["Service"]["required"]


@contextmanager
def _selects():
    statements: list[str] = []

    def record(conn, cursor, statement, *args):
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):
            statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)


def _catalog_with_reviews(factories, location, services: int, first_day: int) -> None:
    category = factories.category()
    for i in range(first_day, first_day + services):
        service = factories.service(category=category)
        visit = factories.appointment(
            location=location,
            services=[service],
            status=S.COMPLETED,
            starts_at=VISIT - timedelta(days=i + 1),
        )
        factories.review(visit, rating=1 + i % 5, comment=f"Review {i}", staff_reply="Thanks")


def test_the_services_page_and_api_query_a_fixed_number_of_times(client, factories):
    """Ratings and reviews come from grouped queries: more services mean no more statements."""
    location = factories.location()
    counts: dict[str, list[int]] = {"/services": [], "/api/v1/services": []}
    for first_day, services in ((0, 2), (10, 8)):
        _catalog_with_reviews(factories, location, services, first_day)
        for path, seen in counts.items():
            client.get(path)  # warm up (the session's first request loads the user and roles)
            with _selects() as statements:
                assert client.get(path).status_code == 200
            seen.append(len(statements))
    for path, seen in counts.items():
        assert seen[0] == seen[1], (path, seen)
        assert seen[0] <= 5, (path, seen)


def test_review_routes_answer_each_role_as_designed(app, factories):
    people = make_personas(factories)
    service = factories.service()
    factories.review(
        factories.appointment(customer=people.customer_a, status=S.COMPLETED, services=[service])
    )
    everyone = {p: 200 for p in ("customer_a", "customer_b", "mechanic", "admin")}

    def admin_only(path: str, method: str = "GET", admin: int = 200) -> Route:
        expect: dict[str, int | str] = {
            "anonymous": LOGIN,
            "customer_a": 403,
            "customer_b": 403,
            "mechanic": 403,
            "admin": admin,
        }
        return Route(path, expect, method=method)

    routes = [
        Route("/services", {"anonymous": 200, **everyone}),
        Route(f"/services/{service.id}", {"anonymous": 200, **everyone}),
        Route("/services/999999", {p: 404 for p in ("anonymous", *everyone)}),
        admin_only("/admin/reviews"),
        admin_only("/admin/reviews?show=hidden"),
    ]
    walk(app, people, routes)


@pytest.mark.settings(WTF_CSRF_CHECK_DEFAULT=False, SECURITY_CSRF_PROTECT_MECHANISMS=[])
def test_review_moderation_posts_answer_each_role_as_designed(app, factories):
    people = make_personas(factories)
    review = factories.review(factories.appointment(customer=people.customer_a, status=S.COMPLETED))

    def admin_only(path: str, admin: int) -> Route:
        expect: dict[str, int | str] = {
            "anonymous": LOGIN,
            "customer_a": 403,
            "customer_b": 403,
            "mechanic": 403,
            "admin": admin,
        }
        return Route(path, expect, method="POST", data={"reason": "Abuse", "reply": "Thanks"})

    walk(
        app,
        people,
        [
            admin_only(f"/admin/reviews/{review.id}/reply", 303),
            admin_only(f"/admin/reviews/{review.id}/hide", 303),
            admin_only(f"/admin/reviews/{review.id}/unhide", 303),
            admin_only("/admin/reviews/999999/hide", 404),
        ],
    )
    db.session.refresh(review)
    assert review.staff_reply == "Thanks" and not review.hidden


def test_the_demo_shop_has_reviews_with_replies_on_its_services_page(app, client):
    with time_machine.travel(datetime(2026, 12, 2, 15, 30, tzinfo=UTC), tick=False):
        result = app.test_cli_runner().invoke(args=["seed-demo"])
        assert result.exit_code == 0, result.output
        all_reviews = db.session.scalars(sa.select(Review)).all()
        assert len(all_reviews) >= 4
        assert all(r.appointment.status is S.COMPLETED for r in all_reviews)
        replied = [r for r in all_reviews if r.staff_reply]
        assert replied and all(r.replied_by_id and r.replied_at for r in replied)
        page = client.get("/services").get_data(as_text=True)
        assert "review" in page and replied[0].staff_reply[:40] in page.replace("&#39;", "'")
        assert all(a.mileage is not None for r in all_reviews for a in [r.appointment])


@pytest.mark.parametrize(
    ("first", "last", "shown"),
    [
        ("Dana", "Kowalski", "Dana K."),
        ("Mary Ann", "o'neil", "Mary O."),
        ("Cher", "", "Cher"),
        ("", "Smith", "A customer"),
    ],
)
def test_the_public_sees_a_first_name_and_an_initial(first, last, shown):
    assert ratings.reviewer_name(first, last) == shown


def test_a_guests_review_shows_their_first_name_and_initial(client, factories):
    service = factories.service("Battery test")
    visit = factories.appointment(
        services=[service],
        status=S.COMPLETED,
        guest_name="Gail van Guest",
        guest_email="gail@example.com",
        starts_at=VISIT,
    )
    factories.review(visit, rating=5, comment="Fast")
    page = client.get(f"/services/{service.id}").get_data(as_text=True)
    assert "Gail G." in page and "gail@example.com" not in page and "van Guest" not in page
