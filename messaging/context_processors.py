"""The navigation's message badge and the live poller's credentials, for every page.

Everything is lazy: a page that does not show the navigation costs nothing, and the
count comes from the cache (messaging/live.py) until something changes it.
"""

from __future__ import annotations

from functools import cached_property

from django.db.models import F, Func, IntegerField, Subquery
from django.http import HttpRequest

from members.models import User
from messaging import live
from messaging.models import Conversation, MessageRequest


class MessagingNav:
    def __init__(self, request: HttpRequest):
        self.request = request
        self.user = request.user

    @cached_property
    def unread(self) -> int:
        """Conversations with unread messages plus requests waiting for me."""

        def compute() -> int:
            # Both counts in one statement (a COUNT that is not an aggregate of the
            # outer query, so no GROUP BY): a cache miss costs one query.
            conversations = Conversation.objects.open_to(self.user).unread_by(self.user)
            requests = MessageRequest.objects.filter(
                recipient=self.user, status=MessageRequest.Status.PENDING
            )
            counts = (
                User.objects.filter(pk=self.user.pk)
                .annotate(
                    c=Subquery(_count(conversations), output_field=IntegerField()),
                    r=Subquery(_count(requests), output_field=IntegerField()),
                )
                .values_list("c", "r")
                .first()
            )
            return sum(counts or (0, 0))

        return live.cached_unread(self.user.pk, compute)

    @cached_property
    def version(self) -> int | None:
        return live.version(self.user.pk)

    @cached_property
    def token(self) -> str:
        return live.token_for(self.user.pk, self.request.session.session_key)


def _count(queryset):
    return queryset.annotate(n=Func(F("pk"), function="COUNT")).values("n")


def messaging(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not (user.is_member or user.is_staff):
        return {}
    return {"messaging_nav": MessagingNav(request)}
