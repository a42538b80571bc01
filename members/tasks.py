"""Periodic chores of the members app. Thin: each calls one service."""

from celery import shared_task

from members import network, services, vetting


@shared_task(name="members.license_expiry_check")
def license_expiry_check() -> dict:
    return vetting.license_expiry_check()


@shared_task(name="members.review_queue_digest")
def review_queue_digest() -> int:
    return vetting.review_queue_digest()


@shared_task(name="members.two_factor_reminders")
def two_factor_reminders() -> int:
    return services.two_factor_reminders_send()


@shared_task(name="members.network_quiet_reminders")
def network_quiet_reminders() -> int:
    return network.network_quiet_reminders_send()
