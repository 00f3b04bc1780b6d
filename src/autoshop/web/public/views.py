from __future__ import annotations

from flask import render_template

from autoshop.services import catalog, shop
from autoshop.web.public import bp


@bp.get("/")
def home() -> str:
    return render_template(
        "public/home.html",
        categories=catalog.active_catalog(),
        location=shop.primary_location(),
        hours=shop.weekly_hours(),
    )


@bp.get("/services")
def services() -> str:
    return render_template("public/services.html", categories=catalog.active_catalog())
