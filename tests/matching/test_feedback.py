""" "Good suggestion? yes / not really": stored privately, learned from without ever
crossing an exclusion, and summed up for staff."""

import pytest
from django.test import Client
from django.urls import reverse

from matching.models import Dismissal, Purpose, SuggestionFeedback
from matching.services import dismissal_create
from matching.suggestions import suggest
from members import services as member_services
from tests.matching.people import person
from tests.members.factories import StaffFactory

pytestmark = pytest.mark.django_db
MATCHES = reverse("matching:matches")


def feedback_url(user):
    return reverse("matching:feedback", args=[user.profile.handle])


@pytest.fixture
def viewer():
    # An adolescent-focused LCSW in Oakland, looking for referrals.
    return person(
        "Vera Viewer",
        place="oakland",
        specialties=["anxiety"],
        populations=["adolescents-13-17"],
    )


def provider(name, profession, specialty, **kwargs):
    return person(
        name,
        profession=profession,
        place="berkeley",
        referrals="yes",
        specialties=[specialty],
        populations=["adolescents-13-17"],
        **kwargs,
    )


def test_an_answer_is_stored_and_replaced_htmx_and_without_js(client, viewer):
    other = provider("Rae Dietitian", "registered-dietitian", "eating-disorders")
    client.force_login(viewer)
    url = feedback_url(other)
    response = client.post(url, {"purpose": "referral", "verdict": "yes"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "suggest more colleagues like this" in response.content.decode()
    assert "<html" not in response.content.decode()
    response = client.post(url, {"purpose": "referral", "verdict": "not_really"})
    assert response.status_code == 302 and response.url == f"{MATCHES}?purpose=referral"
    row = SuggestionFeedback.objects.get(member=viewer, other=other)
    assert row.verdict == "not_really" and row.purpose == "referral"
    # The card remembers the answer.
    page = client.get(MATCHES, {"purpose": "referral"}).content.decode()
    assert 'value="not_really" class="link-button" aria-pressed="true"' in page


def test_bad_input_self_blocked_and_missing_csrf_are_refused(client, viewer):
    other = provider("Rae Dietitian", "registered-dietitian", "eating-disorders")
    client.force_login(viewer)
    assert client.post(feedback_url(other), {"verdict": "maybe"}).status_code == 400
    assert client.post(feedback_url(viewer), {"verdict": "yes"}).status_code == 404
    member_services.block_create(blocker=other, blocked=viewer)
    assert client.post(feedback_url(other), {"verdict": "yes"}).status_code == 404
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(viewer)
    third = provider("Tess Therapist", "psychiatrist", "medication-management")
    assert strict.post(feedback_url(third), {"verdict": "yes"}).status_code == 403
    assert not SuggestionFeedback.objects.exists()


def test_not_really_and_dismissals_lower_similar_candidates_for_that_purpose_only(viewer):
    dietitians = [
        provider(f"Dee {i}", "registered-dietitian", "eating-disorders", looking_for=["referrals"])
        for i in range(5)
    ]
    prescribers = [
        provider(f"Pat {i}", "psychiatric-nurse-practitioner", "medication-management")
        for i in range(3)
    ]

    def order():
        return [item.profile.user_id for item in suggest(viewer, Purpose.REFERRAL).items]

    before = order()
    assert set(before) == {u.pk for u in dietitians + prescribers}
    remaining = [u.pk for u in dietitians[3:]]
    # Dietitians first at the start (they add eating disorders, a "looking for" to boot).
    assert min(before.index(d) for d in remaining) < max(before.index(p.pk) for p in prescribers)
    for other in dietitians[:2]:
        SuggestionFeedback.objects.create(
            member=viewer, other=other, purpose="referral", verdict="not_really"
        )
    dismissal_create(member=viewer, other=dietitians[2], purpose="referral", kind="not_now")
    after = order()
    # Dismissed stays out; the other dietitians now come after every prescriber.
    assert dietitians[2].pk not in after
    assert max(after.index(p.pk) for p in prescribers) < min(after.index(d) for d in remaining)
    # Learning never crosses an exclusion: a blocked dietitian stays out.
    member_services.block_create(blocker=viewer, blocked=dietitians[3])
    assert dietitians[3].pk not in order()
    # Another purpose is untouched by what was said under Referrals.
    assert suggest(viewer, Purpose.INTERDISCIPLINARY).items is not None


def test_staff_see_the_share_of_yes_per_purpose_members_do_not(client, viewer):
    others = [provider(f"Dee {i}", "registered-dietitian", "eating-disorders") for i in range(4)]
    for other, verdict in zip(others, ["yes", "yes", "yes", "not_really"], strict=True):
        SuggestionFeedback.objects.create(
            member=viewer, other=other, purpose="referral", verdict=verdict
        )
    Dismissal.objects.create(member=viewer, other=others[0], purpose="coffee", kind="never")
    url = reverse("matching:suggestion_quality")
    client.force_login(viewer)
    assert client.get(url).status_code == 403
    client.force_login(StaffFactory())
    page = client.get(url).content.decode()
    assert "75%" in page and "Referrals" in page and "no answers yet" in page
    assert "Dee 0" not in page  # counts only, nobody named
