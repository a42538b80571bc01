"""Values answers are used for matching only with the member's explicit consent: asked
before the first answer, refused without it, and withdrawn (with every answer) on
request (SPEC, non-negotiables)."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.urls import reverse

from matching import engine, services
from matching.models import Answer, MatchingChange, Purpose, Questionnaire, ValuesConsent
from matching.services import CONSENT_MESSAGE
from matching.suggestions import suggest
from tests.matching.people import answer, person
from tests.matching.values_posts import answer_one

pytestmark = pytest.mark.django_db

URL = "/me/values/"
CONSENT_URL = "/me/values/consent/"
STOP_URL = "/me/values/stop/"


def first_statement():
    return Questionnaire.objects.current().statements.order_by("position").first()


# --- Asking -------------------------------------------------------------------------------


def test_before_consent_the_page_asks_and_shows_no_questions(member_client):
    html = member_client.get(URL).content.decode()
    assert "Before you start: how your answers are used" in html
    assert f'action="{CONSENT_URL}"' in html and 'method="post"' in html
    assert "csrfmiddlewaretoken" in html
    assert "I agree: use my answers for matching" in html
    assert 'name="step"' not in html  # no question can be answered yet
    assert "19 short statements" in html


def test_agreeing_records_consent_and_opens_the_questionnaire(member_client, member):
    response = member_client.post(CONSENT_URL)
    assert response.status_code == 302 and response.url == reverse("matching:values")
    consent = ValuesConsent.objects.get(member=member)
    html = member_client.get(URL).content.decode()
    assert "Your answers will be used only to suggest colleagues" in html  # the message
    assert 'name="step"' in html
    assert "Before you start" not in html
    # Agreeing again keeps the consent as first given.
    member_client.post(CONSENT_URL)
    assert ValuesConsent.objects.get(member=member).given_at == consent.given_at


def test_consent_is_given_by_post_only(member_client, member):
    assert member_client.get(CONSENT_URL).status_code == 405
    assert not ValuesConsent.objects.filter(member=member).exists()


def test_visitors_cannot_consent(client):
    response = client.post(CONSENT_URL)
    assert response.status_code == 302 and reverse("account_login") in response.url
    assert not ValuesConsent.objects.exists()


# --- No answer without consent ------------------------------------------------------------


def test_the_service_refuses_an_answer_without_consent(member):
    with pytest.raises(ValidationError) as caught:
        services.answer_save(
            member=member,
            statement=first_statement(),
            choice=0,
            accepted=1,
            importance=3,
            dealbreaker=False,
        )
    assert caught.value.code == "no_consent"
    assert not Answer.objects.exists()


def test_a_save_without_consent_comes_back_to_the_question(member_client):
    """A step saved from a page opened before consent was withdrawn (in another tab)."""
    response = answer_one(member_client, first_statement(), follow=True)
    html = response.content.decode()
    assert CONSENT_MESSAGE in html
    assert "Before you start" in html
    assert not Answer.objects.exists()


# --- Withdrawing --------------------------------------------------------------------------


def test_stopping_asks_first_then_deletes_every_answer_and_the_consent(member_client, member):
    member_client.post(CONSENT_URL)
    for statement in Questionnaire.objects.current().statements.order_by("position")[:3]:
        answer_one(member_client, statement, member=member)
    assert Answer.objects.filter(member=member).count() == 3
    html = member_client.get(URL).content.decode()
    assert f'href="{STOP_URL}"' in html

    confirm = member_client.get(STOP_URL).content.decode()
    assert "Your 3 answers, with what you accept and your dealbreakers, will be deleted" in confirm
    assert Answer.objects.filter(member=member).count() == 3  # asking changes nothing

    response = member_client.post(STOP_URL, follow=True)
    html = response.content.decode()
    assert "Done: 3 answers deleted." in html
    assert "Before you start" in html  # asked again before any new answer
    assert not Answer.objects.filter(member=member).exists()
    assert not ValuesConsent.objects.filter(member=member).exists()
    assert MatchingChange.objects.filter(member=member).exists()


def test_the_stop_page_without_consent_goes_back_to_the_questionnaire(member_client):
    response = member_client.get(STOP_URL)
    assert response.status_code == 302 and response.url == reverse("matching:values")


def test_others_answers_are_untouched_by_a_withdrawal(member):
    other = person(answers={"harm-reduction": (0, 0b11)})
    services.values_consent_give(member=member)
    answer(member, "harm-reduction", 1, 0b11)
    services.values_consent_withdraw(member=member)
    assert Answer.objects.filter(member=other).count() == 1
    assert ValuesConsent.objects.filter(member=other).exists()


def test_after_withdrawing_answers_and_dealbreakers_stop_counting():
    engine.reset()
    # Vera's dealbreaker rules Ruth out; Ruth's answer is one Vera refuses.
    vera = person(
        "Vera Viewer",
        place="oakland",
        looking_for=["coffee-dates"],
        answers={"harm-reduction": (0, 0b1, 3, True)},
    )
    ruth = person(
        "Ruth Other",
        place="berkeley",
        looking_for=["coffee-dates"],
        answers={"harm-reduction": (2, 0b111)},
    )

    def suggested(viewer):
        return [item.profile.user_id for item in suggest(viewer, Purpose.COFFEE).items]

    assert suggested(vera) == [] and suggested(ruth) == []
    services.values_consent_withdraw(member=vera)
    assert suggested(vera) == [ruth.pk]
    assert suggested(ruth) == [vera.pk]
    assert engine.snapshot().answers_of(vera.pk) == {}
    engine.reset()


# --- Members who answered before consent was asked for ------------------------------------


def test_the_migration_records_consent_for_those_who_had_answered(member):
    early = person(answers={"harm-reduction": (0, 0b11), "sliding-scale": (1, 0b11)})
    ValuesConsent.objects.all().delete()
    first = Answer.objects.filter(member=early).order_by("updated_at").first()

    migration = importlib.import_module("matching.migrations.0004_values_consent")
    migration.record_earlier_consent(apps, None)

    consent = ValuesConsent.objects.get()
    assert consent.member_id == early.pk  # `member` never answered: not asked for them
    assert consent.given_at == first.updated_at
