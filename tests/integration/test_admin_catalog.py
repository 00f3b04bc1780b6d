"""Admin catalog: categories and services created, edited, deactivated; bad input saves nothing."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from autoshop.domain.choices import Capability, PriceKind
from autoshop.extensions import db
from autoshop.models import AppointmentService, Service, ServiceCategory
from tests.conftest import submit_form


@pytest.fixture
def admin_client(client, factories, login):
    login(factories.admin())
    return client


def _count(model: type) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def _service_form(category_id: int, /, **overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "name": "Oil change",
        "category_id": category_id,
        "description": "Up to 5 quarts, new filter.",
        "duration_minutes": "45",
        "price_kind": "fixed",
        "price_min": "49.99",
        "price_max": "",
        "capability": "lift",
        "active": "y",
        "sort_order": "0",
    }
    data.update(overrides)
    return data


# --- categories -------------------------------------------------------------------------------


def test_admin_creates_and_edits_a_category(admin_client):
    response = submit_form(
        admin_client,
        "/admin/catalog/categories/new",
        {"name": " Brakes ", "description": "Pads, rotors, fluid.", "sort_order": "2"},
    )
    assert response.status_code == 302
    category = db.session.scalar(sa.select(ServiceCategory))
    assert (category.name, category.description, category.sort_order) == (
        "Brakes",
        "Pads, rotors, fluid.",
        2,
    )
    page = admin_client.get("/admin/catalog/").get_data(as_text=True)
    assert "Brakes" in page and "Category Brakes was saved." in page

    edit = f"/admin/catalog/categories/{category.id}/edit"
    assert 'value="Brakes"' in admin_client.get(edit).get_data(as_text=True)
    response = submit_form(
        admin_client, edit, {"name": "Brakes and rotors", "description": "", "sort_order": "0"}
    )
    assert response.status_code == 302
    db.session.refresh(category)
    assert category.name == "Brakes and rotors"


def test_duplicate_category_name_is_refused_ignoring_case(admin_client, factories):
    factories.category("Brakes")
    response = submit_form(
        admin_client,
        "/admin/catalog/categories/new",
        {"name": "brakes", "description": "", "sort_order": "0"},
    )
    assert response.status_code == 200
    assert "There is already a category called brakes." in response.get_data(as_text=True)
    assert _count(ServiceCategory) == 1


def test_renaming_a_category_onto_another_is_refused(admin_client, factories):
    factories.category("Brakes")
    tires = factories.category("Tires")
    response = submit_form(
        admin_client,
        f"/admin/catalog/categories/{tires.id}/edit",
        {"name": "Brakes", "description": "", "sort_order": "0"},
    )
    assert "There is already a category called Brakes." in response.get_data(as_text=True)
    db.session.refresh(tires)
    assert tires.name == "Tires"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "", "sort_order": "0"}, "Enter a name."),
        ({"name": "Brakes", "sort_order": "-1"}, "The order can&#39;t be negative."),
        ({"name": "Brakes", "sort_order": "first"}, "Not a valid integer value."),
    ],
)
def test_bad_category_input_shows_an_error_and_saves_nothing(admin_client, data, message):
    response = submit_form(
        admin_client, "/admin/catalog/categories/new", {"description": "", **data}
    )
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert _count(ServiceCategory) == 0


def test_unknown_category_is_a_404(admin_client):
    assert admin_client.get("/admin/catalog/categories/999/edit").status_code == 404
    assert admin_client.get("/admin/catalog/services/999/edit").status_code == 404


# --- services ---------------------------------------------------------------------------------


def test_service_page_without_categories_asks_for_one_first(admin_client):
    page = admin_client.get("/admin/catalog/services/new").get_data(as_text=True)
    assert "Add a category</a> first" in page


@pytest.mark.parametrize(
    ("kind", "low", "high", "stored", "shown"),
    [
        ("fixed", "49.99", "", (4999, 4999), "$49.99"),
        ("fixed", "$1,200", "999", (120000, 120000), "$1,200"),
        ("range", "50", "75.5", (5000, 7550), "$50–$75.50"),
        ("diagnosis", "", "", (None, None), "Priced after diagnosis"),
        ("diagnosis", "85", "", (8500, None), "From $85, priced after diagnosis"),
    ],
)
def test_admin_creates_a_service_for_each_kind_of_price(
    app, admin_client, factories, kind, low, high, stored, shown
):
    category = factories.category("Maintenance")
    response = submit_form(
        admin_client,
        "/admin/catalog/services/new",
        _service_form(category.id, price_kind=kind, price_min=low, price_max=high),
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    service = db.session.scalar(sa.select(Service))
    assert service.name == "Oil change"
    assert service.category_id == category.id
    assert service.duration_minutes == 45
    assert service.price_kind is PriceKind(kind)
    assert (service.price_min_cents, service.price_max_cents) == stored
    assert service.capability is Capability.LIFT
    assert service.active is True
    assert shown in admin_client.get("/admin/catalog/").get_data(as_text=True)
    assert shown in app.test_client().get("/services").get_data(as_text=True)


def test_new_service_form_preselects_the_category_asked_for(admin_client, factories):
    factories.category("Brakes")
    tires = factories.category("Tires")
    page = admin_client.get(f"/admin/catalog/services/new?category={tires.id}")
    assert f'<option selected value="{tires.id}">Tires</option>' in page.get_data(as_text=True)


def test_admin_edits_a_service_and_the_form_shows_dollars(admin_client, factories):
    service = factories.service(
        "Brake pads",
        price_kind=PriceKind.RANGE,
        price_min_cents=15050,
        price_max_cents=22000,
        capability=Capability.LIFT,
    )
    edit = f"/admin/catalog/services/{service.id}/edit"
    page = admin_client.get(edit).get_data(as_text=True)
    assert 'value="150.50"' in page and 'value="220"' in page
    response = submit_form(
        admin_client,
        edit,
        _service_form(
            service.category_id,
            name="Brake pads (one axle)",
            price_kind="range",
            price_min="160",
            price_max="240",
            duration_minutes="90",
            capability="general",
        ),
    )
    assert response.status_code == 302
    db.session.refresh(service)
    assert service.name == "Brake pads (one axle)"
    assert (service.price_min_cents, service.price_max_cents) == (16000, 24000)
    assert service.duration_minutes == 90
    assert service.capability is Capability.GENERAL


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"duration_minutes": "0"}, "The duration must be at least 1 minute."),
        ({"duration_minutes": "-30"}, "The duration must be at least 1 minute."),
        ({"duration_minutes": ""}, "Enter how long the job takes, in minutes."),
        (
            {"price_kind": "range", "price_min": "100", "price_max": "50"},
            "The highest price must be at least the lowest price.",
        ),
        ({"price_kind": "range", "price_min": "100", "price_max": ""}, "Enter the highest price"),
        ({"price_min": "-5"}, "A price can&#39;t be negative."),
        ({"price_kind": "range", "price_min": "10", "price_max": "-5"}, "can&#39;t be negative"),
        ({"price_min": "12.345"}, "Enter an amount in dollars, like 49.99."),
        ({"price_min": "ten"}, "Enter an amount in dollars, like 49.99."),
        ({"price_min": ""}, "Enter the price."),
        ({"sort_order": "-1"}, "The order can&#39;t be negative."),
        ({"name": "  "}, "Enter a name."),
        ({"capability": "space-rocket"}, "Not a valid choice"),
        ({"price_kind": ""}, "Choose how the service is priced."),
        ({"category_id": "9999"}, "Choose a category."),
    ],
)
def test_bad_service_input_shows_an_error_and_saves_nothing(
    admin_client, factories, overrides, message
):
    category = factories.category("Maintenance")
    response = submit_form(
        admin_client, "/admin/catalog/services/new", _service_form(category.id, **overrides)
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert message in page
    assert 'aria-invalid="true"' in page or "invalid-feedback d-block" in page
    assert _count(Service) == 0


def test_duplicate_service_name_in_a_category_is_refused(admin_client, factories):
    category = factories.category("Maintenance")
    factories.service("Oil change", category=category)
    response = submit_form(
        admin_client,
        "/admin/catalog/services/new",
        _service_form(category.id, name="OIL CHANGE"),
    )
    assert "Maintenance already has a service called OIL CHANGE." in response.get_data(as_text=True)
    assert _count(Service) == 1


def test_the_same_name_in_another_category_is_fine(admin_client, factories):
    factories.service("Inspection", category=factories.category("Brakes"))
    other = factories.category("Tires")
    response = submit_form(
        admin_client, "/admin/catalog/services/new", _service_form(other.id, name="Inspection")
    )
    assert response.status_code == 302
    assert _count(Service) == 2


def test_a_failed_edit_leaves_the_service_as_it_was(admin_client, factories):
    service = factories.service("Brake pads", duration_minutes=60, price_min_cents=9900)
    response = submit_form(
        admin_client,
        f"/admin/catalog/services/{service.id}/edit",
        _service_form(service.category_id, name="Renamed", duration_minutes="0"),
    )
    assert response.status_code == 200
    db.session.refresh(service)
    assert (service.name, service.duration_minutes) == ("Brake pads", 60)


# --- deactivation -----------------------------------------------------------------------------


def test_deactivating_hides_the_service_and_keeps_past_appointments(app, admin_client, factories):
    public = app.test_client()
    service = factories.service("Brake pads", price_min_cents=15000, duration_minutes=90)
    appointment = factories.appointment(services=[service])
    assert "Brake pads" in public.get("/services").get_data(as_text=True)

    response = submit_form(
        admin_client,
        "/admin/catalog/",
        {},
        action=f"/admin/catalog/services/{service.id}/deactivate",
    )
    assert response.status_code == 302
    db.session.refresh(service)
    assert service.active is False
    assert "Brake pads" not in public.get("/services").get_data(as_text=True)
    page = admin_client.get("/admin/catalog/").get_data(as_text=True)
    assert "Inactive" in page and "Reactivate" in page

    # A later edit of the (inactive) service doesn't rewrite the booked snapshot either.
    submit_form(
        admin_client,
        f"/admin/catalog/services/{service.id}/edit",
        _service_form(service.category_id, name="Brake job", price_min="199", active=""),
    )
    snapshot = db.session.scalar(
        sa.select(AppointmentService).where(AppointmentService.appointment_id == appointment.id)
    )
    assert (snapshot.service_id, snapshot.name, snapshot.price_min_cents) == (
        service.id,
        "Brake pads",
        15000,
    )
    assert snapshot.duration_minutes == 90

    response = submit_form(
        admin_client,
        "/admin/catalog/",
        {},
        action=f"/admin/catalog/services/{service.id}/reactivate",
    )
    assert response.status_code == 302
    db.session.refresh(service)
    assert service.active is True
    assert "Brake job" in public.get("/services").get_data(as_text=True)


def test_deactivate_needs_a_csrf_token(admin_client, factories):
    service = factories.service()
    response = admin_client.post(f"/admin/catalog/services/{service.id}/deactivate")
    assert response.status_code == 400
    db.session.refresh(service)
    assert service.active is True


def test_deactivate_is_post_only(admin_client, factories):
    service = factories.service()
    assert admin_client.get(f"/admin/catalog/services/{service.id}/deactivate").status_code == 405
