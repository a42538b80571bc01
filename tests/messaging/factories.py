"""factory_boy factories for messaging, and helpers that make two people connected."""

import factory

from members.models import Connection
from messaging.models import Conversation, MessageRequest, Report
from tests.members.factories import MemberFactory


def connect(a, b) -> Connection:
    from django.utils import timezone

    return Connection.objects.create(
        **{
            "user_a": min(a, b, key=lambda u: u.pk),
            "user_b": max(a, b, key=lambda u: u.pk),
            "requested_by": a,
            "status": Connection.Status.ACCEPTED,
            "accepted_at": timezone.now(),
        }
    )


class ConversationFactory(factory.django.DjangoModelFactory):
    """A conversation between two new members (pass `people=(a, b)` to choose them)."""

    class Meta:
        model = Conversation

    class Params:
        people = None

    @classmethod
    def _create(cls, model_class, *args, people=None, **kwargs):
        a, b = people or (MemberFactory(), MemberFactory())
        low, high = sorted([a, b], key=lambda u: u.pk)
        kwargs.setdefault("user_a", low)
        kwargs.setdefault("user_b", high)
        return super()._create(model_class, *args, **kwargs)


def say(conversation, sender, body="Hello there"):
    """A message sent through the service (so read state and counters follow)."""
    from messaging import services

    return services.message_send(sender=sender, conversation=conversation, body=body)


class MessageRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MessageRequest

    sender = factory.SubFactory(MemberFactory)
    recipient = factory.SubFactory(MemberFactory)
    purpose = MessageRequest.Purpose.CONSULTATION
    body = "Hi, I saw you work with adolescents; could we talk about a consultation group?"


class ReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Report

    reporter = factory.SubFactory(MemberFactory)
    reported = factory.SubFactory(MemberFactory)
    subject = Report.Subject.PROFILE
    reason = Report.Reason.SPAM
