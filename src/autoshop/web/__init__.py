"""HTML blueprints, one package per area: public, booking, account, staff, admin."""

from __future__ import annotations

from flask import Flask


def register_web(app: Flask) -> None:
    from autoshop.web.account import bp as account_bp
    from autoshop.web.admin import bp as admin_bp
    from autoshop.web.booking import bp as booking_bp
    from autoshop.web.devinbox import register_dev_inbox
    from autoshop.web.feeds import bp as feeds_bp
    from autoshop.web.probes import bp as probes_bp
    from autoshop.web.public import bp as public_bp
    from autoshop.web.reviews import bp as reviews_bp
    from autoshop.web.staff import bp as staff_bp
    from autoshop.web.waitlist import bp as waitlist_bp
    from autoshop.web.webhooks import bp as webhooks_bp

    app.register_blueprint(probes_bp)
    app.register_blueprint(public_bp)
    app.register_blueprint(booking_bp)
    app.register_blueprint(reviews_bp)
    app.register_blueprint(waitlist_bp)
    app.register_blueprint(feeds_bp)
    app.register_blueprint(account_bp, url_prefix="/account")
    app.register_blueprint(staff_bp, url_prefix="/staff")
    app.register_blueprint(admin_bp, url_prefix="/admin")
    app.register_blueprint(webhooks_bp, url_prefix="/webhooks")
    register_dev_inbox(app)  # development only
