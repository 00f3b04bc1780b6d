"""An admin finds a failed message in the notification log and retries it, phone and desktop."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from playwright.sync_api import expect

from autoshop.domain.choices import NotificationChannel, NotificationStatus
from autoshop.extensions import db
from autoshop.models import Notification
from tests.support.browser import assert_accessible, open_menu_item
from tests.support.factories import Factories

NOW = datetime(2026, 11, 2, 15, 0, tzinfo=UTC)


def _message(recipient: str, subject: str, status: NotificationStatus, **fields) -> Notification:
    row = Notification(
        channel=fields.pop("channel", NotificationChannel.EMAIL),
        recipient=recipient,
        kind="appointment_confirmation",
        subject=subject,
        body_text=f"Hi,\n{subject}.\nSee you soon.",
        body_html=f"<p>{subject}</p>",
        due_at=fields.pop("due_at", NOW),
        status=status,
        **fields,
    )
    db.session.add(row)
    return row


def test_admin_filters_to_failed_and_retries_one(page, factories):
    admin = factories.admin(first_name="Dana")
    for i in range(3):
        _message(
            f"happy{i}@example.com",
            f"Booked: visit {i}",
            NotificationStatus.SENT,
            sent_at=NOW + timedelta(seconds=5),
            attempts=1,
        )
    _message(
        "+12015550147",
        "Reminder: your visit",
        NotificationStatus.CANCELLED,
        channel=NotificationChannel.SMS,
        last_error="Cancelled: the recipient replied STOP.",
    )
    failed = _message(
        "typo@exmaple.com",
        "Booked: Tue Dec 1 at 9:00 AM",
        NotificationStatus.FAILED,
        attempts=1,
        last_error="Recipient refused: 550 5.1.1 <typo@exmaple.com>: no such user",
    )
    db.session.commit()

    page.goto("/account/login")
    page.get_by_label("Email").fill(admin.email)
    page.get_by_label("Password").fill(Factories.PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/$"))

    open_menu_item(page, "Notifications", menu="Shop")
    page.wait_for_url(re.compile(r"/admin/notifications$"))
    page.get_by_text("5 messages.").wait_for()
    assert_accessible(page, "admin-notifications")

    page.get_by_label("Status").select_option(label="Failed")
    page.get_by_role("button", name="Show messages").click()
    page.wait_for_url(re.compile(r"status=failed"))
    page.get_by_text("1 message.").wait_for()
    assert page.get_by_role("link", name="Booked: visit 0").count() == 0
    assert_accessible(page, "admin-notifications-failed")

    page.get_by_role("link", name="Booked: Tue Dec 1 at 9:00 AM").click()
    page.wait_for_url(re.compile(rf"/admin/notifications/{failed.id}$"))
    page.get_by_role("heading", name="This message was not delivered").wait_for()
    expect(page.get_by_text("550 5.1.1").first).to_be_visible()
    assert_accessible(page, "admin-notification-failed")

    page.get_by_role("button", name="Retry now").click()
    page.get_by_text("The message is queued again").wait_for()
    assert page.get_by_role("button", name="Retry now").count() == 0
    expect(page.locator(".badge", has_text="Pending")).to_be_visible()
    assert_accessible(page, "admin-notification-retried")

    db.session.commit()
    db.session.refresh(failed)
    assert (failed.status, failed.attempts) == (NotificationStatus.PENDING, 0)
