"""Periodic chores of the members app. Thin: each calls one service."""

from celery import shared_task

from members import erasure, exports, network, services, vetting


@shared_task(name="members.license_expiry_check")
def license_expiry_check() -> dict:
    return vetting.license_expiry_check()


@shared_task(name="members.review_queue_digest")
def review_queue_digest() -> int:
    return vetting.review_queue_digest()


@shared_task(name="members.two_factor_reminders")
def two_factor_reminders() -> int:
    return services.two_factor_reminders_send()


@shared_task(name="members.build_data_export")
def build_data_export(export_id: str) -> str:
    return exports.data_export_build(export_id=export_id)


@shared_task(name="members.queue_stalled_data_exports")
def queue_stalled_data_exports() -> int:
    """Every 10 minutes: build the exports whose first build never ran."""
    stalled = exports.stalled_data_export_ids()
    for export_id in stalled:
        build_data_export.delay(export_id)
    return len(stalled)


@shared_task(name="members.expire_data_exports")
def expire_data_exports() -> int:
    return exports.data_exports_expire()


@shared_task(name="members.erase_due_accounts")
def erase_due_accounts() -> int:
    return erasure.accounts_erase_due()


@shared_task(name="members.network_quiet_reminders")
def network_quiet_reminders() -> int:
    return network.network_quiet_reminders_send()


@shared_task(name="members.follow_up_reminders")
def follow_up_reminders() -> int:
    return network.follow_ups_remind_send()
