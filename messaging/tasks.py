"""Messaging's periodic chores. Thin: each calls one service."""

from celery import shared_task

from messaging import services


@shared_task(name="messaging.unread_emails")
def unread_emails() -> int:
    return services.messages_unread_email_send()
