"""Admin: the service catalog (categories and services)."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response
from wtforms import SelectChoice

from autoshop.domain.choices import Capability, PriceKind
from autoshop.domain.schedule_rules import format_dollars
from autoshop.extensions import db
from autoshop.i18n import _
from autoshop.models import Service, ServiceCategory
from autoshop.services import catalog_admin
from autoshop.services.catalog_admin import ValidationFailed
from autoshop.web.access import role_required
from autoshop.web.admin import bp
from autoshop.web.admin.forms import CategoryForm, ServiceForm, apply_errors


def _get_or_404(model: type[Any], ident: int) -> Any:
    row = db.session.get(model, ident)
    if row is None:
        abort(404)
    return row


@bp.get("/catalog/")
@role_required("admin")
def catalog() -> str:
    return render_template("admin/catalog.html", categories=catalog_admin.all_categories())


@bp.route("/catalog/categories/new", methods=["GET", "POST"])
@role_required("admin")
def category_new() -> str | Response:
    return _category_page(None)


@bp.route("/catalog/categories/<int:category_id>/edit", methods=["GET", "POST"])
@role_required("admin")
def category_edit(category_id: int) -> str | Response:
    return _category_page(_get_or_404(ServiceCategory, category_id))


def _category_page(category: ServiceCategory | None) -> str | Response:
    form = CategoryForm(obj=category)
    if form.validate_on_submit():
        try:
            saved = catalog_admin.save_category(
                category,
                name=form.name.data or "",
                description=form.description.data or "",
                sort_order=form.sort_order.data or 0,
            )
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            flash(_("Category %(name)s was saved.", name=saved.name), "success")
            return redirect(url_for("admin.catalog"))
    return render_template("admin/category_form.html", form=form, category=category)


@bp.route("/catalog/services/new", methods=["GET", "POST"])
@role_required("admin")
def service_new() -> str | Response:
    return _service_page(None)


@bp.route("/catalog/services/<int:service_id>/edit", methods=["GET", "POST"])
@role_required("admin")
def service_edit(service_id: int) -> str | Response:
    return _service_page(_get_or_404(Service, service_id))


def _service_data(service: Service) -> dict[str, Any]:
    return {
        "name": service.name,
        "category_id": service.category_id,
        "description": service.description,
        "duration_minutes": service.duration_minutes,
        "price_kind": service.price_kind.value,
        "price_min": format_dollars(service.price_min_cents),
        "price_max": format_dollars(service.price_max_cents)
        if service.price_kind is PriceKind.RANGE
        else "",
        "capability": service.capability.value,
        "active": service.active,
        "sort_order": service.sort_order,
    }


def _service_page(service: Service | None) -> str | Response:
    categories = catalog_admin.all_categories()
    data = _service_data(service) if service else None
    if service is None and request.args.get("category", type=int):
        data = {"category_id": request.args.get("category", type=int)}
    form = ServiceForm(data=data)
    form.category_id.choices = [SelectChoice(c.id, c.name) for c in categories]
    if categories and form.validate_on_submit():
        try:
            saved = catalog_admin.save_service(
                service,
                category_id=form.category_id.data,
                name=form.name.data or "",
                description=form.description.data or "",
                duration_minutes=form.duration_minutes.data or 0,
                price_kind=PriceKind(form.price_kind.data),
                price_min_cents=form.price_min.cents,
                price_max_cents=form.price_max.cents,
                capability=Capability(form.capability.data),
                active=form.active.data,
                sort_order=form.sort_order.data or 0,
            )
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            flash(_("Service %(name)s was saved.", name=saved.name), "success")
            return redirect(url_for("admin.catalog"))
    return render_template(
        "admin/service_form.html", form=form, service=service, categories=categories
    )


@bp.post("/catalog/services/<int:service_id>/deactivate")
@role_required("admin")
def service_deactivate(service_id: int) -> Response:
    service = _get_or_404(Service, service_id)
    catalog_admin.set_service_active(service, False)
    flash(
        _(
            "%(name)s was deactivated: customers can't book it any more. "
            "Past appointments keep it.",
            name=service.name,
        ),
        "success",
    )
    return redirect(url_for("admin.catalog"))


@bp.post("/catalog/services/<int:service_id>/reactivate")
@role_required("admin")
def service_reactivate(service_id: int) -> Response:
    service = _get_or_404(Service, service_id)
    catalog_admin.set_service_active(service, True)
    flash(_("%(name)s is bookable again.", name=service.name), "success")
    return redirect(url_for("admin.catalog"))
