"""factory_boy factories for matching: answers to the loaded questionnaire."""

import factory

from matching.models import Answer, Questionnaire
from tests.members.factories import MemberFactory


def first_statement():
    return Questionnaire.objects.current().statements.order_by("position").first()


class AnswerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Answer

    member = factory.SubFactory(MemberFactory)
    statement = factory.LazyFunction(first_statement)
    choice = 0
    accepted = 0b1
    importance = Answer.Importance.SOMEWHAT
