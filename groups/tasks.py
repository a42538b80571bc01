"""Periodic chores of consultation groups. Thin: each calls one service."""

from celery import shared_task

from groups import services, sessions


@shared_task(name="groups.generate_sessions", soft_time_limit=1800, time_limit=1900)
def generate_sessions() -> int:
    return sessions.sessions_generate_all()


@shared_task(name="groups.presenter_reminders", soft_time_limit=240, time_limit=300)
def presenter_reminders() -> int:
    return sessions.presenter_reminders_send()


@shared_task(name="groups.expire_seat_offers", soft_time_limit=240, time_limit=300)
def expire_seat_offers() -> int:
    return services.seat_offers_expire()
