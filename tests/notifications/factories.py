"""Factories for notifications."""

import factory

from notifications.models import Notification
from tests.members.factories import MemberFactory


class NotificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Notification

    recipient = factory.SubFactory(MemberFactory)
    kind = "welcome"
    key = factory.Sequence(lambda n: f"test:{n}")
    url = "/apply/"
