"""/me/values/: the values questionnaire, its saves (htmx and plain), its messages, and
the home page's nudge towards it."""

import json
import re

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from matching import services
from matching.forms import DEALBREAKER_ON_IRRELEVANT
from matching.models import Answer, Questionnaire, Statement
from matching.questionnaire import load_questionnaire, read_questionnaire
from matching.services import OLD_VERSION_MESSAGE, answer_clear, answer_save
from matching.views.values import UNKNOWN_STATEMENT
from members.models import User
from tests.members.factories import MemberFactory, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "/me/values/"
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def member(member):
    """A member who agreed that their answers may be used (test_values_consent.py covers
    the page before that)."""
    services.values_consent_give(member=member)
    return member


def statements() -> list[Statement]:
    return list(Questionnaire.objects.current().statements.order_by("position"))


def first() -> Statement:
    return statements()[0]


def post_data(statement: Statement, **overrides) -> dict:
    """A complete, valid answer: the first option, accepting the first two, very."""
    data = {
        "statement": statement.pk,
        "choice": 0,
        "accepted": [0, 1],
        "importance": Answer.Importance.VERY,
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def block(html: str, statement: Statement) -> str:
    """The statement's <section> block, from its opening tag to the next statement."""
    start = html.index(f'id="s-{statement.key}"')
    end = html.find('<section class="card values-statement', start)
    return html[start : end if end != -1 else len(html)]


def checked_values(html: str, name: str) -> set[str]:
    found = set()
    for tag in re.findall(r"<input[^>]*>", html):
        if f'name="{name}"' in tag and " checked" in tag:
            value = re.search(r'value="([^"]*)"', tag)
            found.add(value.group(1) if value else "on")
    return found


# --- Who may use it -----------------------------------------------------------------------


def test_visitor_is_sent_to_log_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response.url == f"{reverse('account_login')}?next={URL}"


@pytest.mark.parametrize(
    "make",
    [
        lambda: UserFactory(membership_status=User.Status.APPLICANT),
        lambda: MemberFactory(membership_status=User.Status.LAPSED),
        lambda: MemberFactory(membership_status=User.Status.SUSPENDED),
    ],
    ids=["applicant", "lapsed", "suspended"],
)
def test_people_who_are_not_members_are_sent_to_their_status_page(client, make):
    person = make()
    client.force_login(person)
    assert client.get(URL).url == reverse("members:status")
    response = client.post(URL, post_data(first()))
    assert response.status_code == 302 and response.url == reverse("members:status")
    assert not Answer.objects.exists()


@pytest.mark.parametrize("make", [MemberFactory, StaffFactory], ids=["member", "staff"])
def test_members_and_staff_without_a_profile_can_answer(client, make):
    person = make()
    services.values_consent_give(member=person)
    client.force_login(person)
    assert client.get(URL).status_code == 200
    assert client.post(URL, post_data(first())).status_code == 302
    assert Answer.objects.filter(member=person).count() == 1


def test_a_signed_out_autosave_says_so_instead_of_swapping_in_the_login_page(client):
    response = client.post(URL, post_data(first()), **HTMX)
    assert response.status_code == 200
    assert response["HX-Retarget"] == "#values-alert"
    assert "you have been signed out" in response.content.decode()
    assert not Answer.objects.exists()


def test_writes_need_the_csrf_token(member):
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    page = client.get(URL).content.decode()
    assert client.post(URL, post_data(first())).status_code == 403
    assert not Answer.objects.exists()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    response = client.post(URL, post_data(first(), csrfmiddlewaretoken=token))
    assert response.status_code == 302
    assert Answer.objects.filter(member=member).count() == 1
    # htmx sends the token in a header, from <body hx-headers>.
    header = json.loads(re.search(r"hx-headers='([^']+)'", page).group(1))["X-CSRFToken"]
    second = statements()[1]
    response = client.post(URL, post_data(second), HTTP_X_CSRFTOKEN=header, **HTMX)
    assert response.status_code == 200
    assert Answer.objects.filter(member=member).count() == 2


def test_values_is_in_the_me_menu(member_client):
    html = member_client.get(URL).content.decode()
    menu = html.split('class="menu-items"', 1)[1].split("</ul>", 1)[0]
    assert f'href="{URL}" aria-current="page">Values</a>' in menu
    assert menu.index(">Privacy<") < menu.index(">Values<")


# --- The page -----------------------------------------------------------------------------


def test_the_page_lists_every_statement_in_order_with_the_privacy_note(member_client):
    html = member_client.get(URL).content.decode()
    positions = [html.index(f'id="s-{s.key}"') for s in statements()]
    assert positions == sorted(positions)
    assert "Your answers are private" in html
    assert "you both prioritize harm reduction" in html
    assert "never suggest someone whose answer you don’t accept" in html.lower()
    for label in (
        "My answer",
        "Answers I accept from a colleague",
        "How much it matters",
        "Dealbreaker",
    ):
        assert label in html


def test_unanswered_statements_accept_everything_until_narrowed(member_client):
    html = member_client.get(URL).content.decode()
    statement = first()
    part = block(html, statement)
    assert checked_values(part, "accepted") == {str(i) for i in range(statement.option_count)}
    assert checked_values(part, "choice") == set()
    assert checked_values(part, "importance") == {str(Answer.Importance.SOMEWHAT)}
    assert "All are ticked until you narrow them" in part
    assert "Not answered yet" in part and "Clear my answer" not in part


def test_each_statement_posts_on_its_own_with_htmx_and_without(member_client):
    part = block(member_client.get(URL).content.decode(), first())
    key = first().key
    assert f'action="{URL}#s-{key}"' in part  # without JS: back to the same statement
    assert f'hx-post="{URL}"' in part and 'hx-trigger="change' in part
    assert f'hx-target="#s-{key}"' in part
    assert f'name="statement" value="{first().pk}"' in part
    assert 'name="csrfmiddlewaretoken"' in part
    assert ">Save</button>" in part


# --- Saving -------------------------------------------------------------------------------


def test_saving_without_javascript_comes_back_to_the_statement(member_client, member):
    statement = first()
    response = member_client.post(URL, post_data(statement, dealbreaker="on"))
    assert response.status_code == 302
    assert response.url == f"{URL}?saved={statement.key}#s-{statement.key}"
    answer = Answer.objects.get(member=member, statement=statement)
    assert (answer.choice, answer.accepted, answer.importance, answer.dealbreaker) == (
        0,
        0b11,
        Answer.Importance.VERY,
        True,
    )
    html = member_client.get(response.url).content.decode()
    part = block(html, statement)
    assert "Saved." in part and "Answered" in part
    assert checked_values(part, "choice") == {"0"}
    assert checked_values(part, "accepted") == {"0", "1"}
    assert checked_values(part, "dealbreaker") == {"on"}
    assert "Saved." not in block(html, statements()[1])


def test_saving_with_htmx_returns_the_block_and_the_progress(member_client, member):
    statement = statements()[2]
    response = member_client.post(URL, post_data(statement, choice=1, accepted=[1]), **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('class="card values-statement') == 1
    assert f'id="s-{statement.key}"' in html
    assert "Saved." in html
    assert checked_values(html, "choice") == {"1"}
    assert checked_values(html, "accepted") == {"1"}
    assert 'id="values-progress" class="values-progress" hx-swap-oob="true"' in html
    assert "1 of 19 answered" in html
    assert f"Saved: {statement.topic}." in html  # for the live region
    assert Answer.objects.get(member=member, statement=statement).accepted == 0b10


def test_saving_again_updates_the_one_answer(member_client, member):
    statement = first()
    member_client.post(URL, post_data(statement), **HTMX)
    member_client.post(URL, post_data(statement, choice=2, accepted=[2, 3]), **HTMX)
    answer = Answer.objects.get(member=member, statement=statement)
    assert (answer.choice, answer.accepted) == (2, 0b1100)


def test_each_save_tells_the_suggestion_engine(member, monkeypatch):
    calls = []
    monkeypatch.setattr(services, "matching_changed", calls.append)
    answer_save(
        member=member,
        statement=first(),
        choice=0,
        accepted=1,
        importance=Answer.Importance.A_LITTLE,
        dealbreaker=False,
    )
    answer_clear(member=member, statement=first())
    answer_clear(member=member, statement=first())  # nothing left to clear: no change
    assert calls == [member.pk, member.pk]


# --- Progress -----------------------------------------------------------------------------


def test_progress_counts_answers_to_the_current_questionnaire(member_client, member):
    for statement in statements()[:7]:
        member_client.post(URL, post_data(statement))
    html = member_client.get(URL).content.decode()
    assert "7 of 19 answered" in html
    assert re.search(r'<progress id="values-progress-bar" max="19" value="7">', html)
    assert '<label class="values-progress-label" for="values-progress-bar">' in html
    assert f'href="#s-{statements()[7].key}">Next unanswered' in html
    progress = services.values_progress(member=member)
    assert (progress.answered, progress.total, progress.next_key) == (7, 19, statements()[7].key)
    assert not progress.at_least_half


def test_all_answered_says_thank_you(member, member_client):
    for statement in statements():
        Answer.objects.create(member=member, statement=statement, choice=0, accepted=1)
    html = member_client.get(URL).content.decode()
    assert "19 of 19 answered" in html and "All answered" in html
    assert "Next unanswered" not in html


# --- Clearing -----------------------------------------------------------------------------


def test_clearing_an_answer_without_javascript(member_client, member):
    statement = first()
    member_client.post(URL, post_data(statement))
    response = member_client.post(URL, {"statement": statement.pk, "action": "clear"})
    assert response.url == f"{URL}?cleared={statement.key}#s-{statement.key}"
    assert not Answer.objects.filter(member=member).exists()
    part = block(member_client.get(response.url).content.decode(), statement)
    assert "Answer cleared" in part and "Not answered yet" in part


def test_clearing_an_answer_with_htmx(member_client, member):
    one, two = statements()[:2]
    member_client.post(URL, post_data(one))
    member_client.post(URL, post_data(two))
    response = member_client.post(URL, {"statement": one.pk, "action": "clear"}, **HTMX)
    html = response.content.decode()
    assert "Answer cleared" in html and "1 of 19 answered" in html
    assert list(Answer.objects.filter(member=member).values_list("statement", flat=True)) == [
        two.pk
    ]


# --- Problems: a message next to the statement, nothing lost, nothing saved ----------------


PROBLEMS = [
    ({"accepted": None}, "accepted", "Tick at least one answer you accept from a colleague."),
    ({"choice": None}, "choice", "Choose your own answer first."),
    ({"choice": 9}, "choice", "Choose one of the answers listed."),
    ({"choice": "x"}, "choice", "Choose one of the answers listed."),
    ({"accepted": [0, 7]}, "accepted", "Tick only answers from the list."),
    ({"importance": 7}, "importance", "Choose irrelevant, a little, somewhat or very."),
    ({"importance": None}, "importance", "Choose how much this matters to you."),
    (
        {"importance": Answer.Importance.IRRELEVANT, "dealbreaker": "on"},
        "dealbreaker",
        DEALBREAKER_ON_IRRELEVANT,
    ),
]


@pytest.mark.parametrize("overrides, field, message", PROBLEMS)
def test_a_problem_is_shown_next_to_its_statement_without_javascript(
    member_client, overrides, field, message
):
    statement = statements()[1]
    response = member_client.post(URL, post_data(statement, **overrides))
    assert response.status_code == 200
    html = response.content.decode()
    part = block(html, statement)
    assert f'<ul class="errorlist" id="id_{statement.key}_{field}_error"><li>{message}</li>' in (
        part.replace("&#x27;", "'")
    )
    assert "Not saved: see the message above." in part
    assert 'class="card values-statement has-error"' in html
    assert not Answer.objects.exists()
    # What was chosen is still chosen.
    if overrides.get("importance") is not None and field != "importance":
        assert checked_values(part, "importance") == {str(overrides["importance"])}
    if field != "choice":
        assert checked_values(part, "choice") == {"0"}
    # The other statements are untouched.
    assert "errorlist" not in block(html, statements()[2])


@pytest.mark.parametrize("overrides, field, message", PROBLEMS)
def test_a_problem_is_shown_next_to_its_statement_with_htmx(
    member_client, overrides, field, message
):
    statement = statements()[1]
    response = member_client.post(URL, post_data(statement, **overrides), **HTMX)
    assert response.status_code == 200  # htmx swaps only 2xx replies
    html = response.content.decode().replace("&#x27;", "'")
    assert f'id="s-{statement.key}"' in html
    assert message in html and "Not saved: see the message above." in html
    assert f"Not saved: {statement.topic}." in html
    assert "0 of 19 answered" in html
    assert not Answer.objects.exists()


def test_a_failed_change_keeps_the_saved_answer(member_client, member):
    statement = first()
    member_client.post(URL, post_data(statement))
    response = member_client.post(URL, post_data(statement, accepted=None), **HTMX)
    assert "Tick at least one answer" in response.content.decode()
    assert Answer.objects.get(member=member, statement=statement).accepted == 0b11
    assert "Clear my answer" in response.content.decode()  # it is still answered


@pytest.mark.parametrize("raw", ["999999", "abc", "", "-1", "1" * 40])
def test_an_unknown_statement_is_a_message_not_an_error(member_client, raw):
    data = post_data(first()) | {"statement": raw}
    response = member_client.post(URL, data)
    assert response.status_code == 200
    assert UNKNOWN_STATEMENT.replace("’", "&#x27;") in response.content.decode().replace(
        "’", "&#x27;"
    )
    response = member_client.post(URL, data, **HTMX)
    assert response.status_code == 200
    assert response["HX-Retarget"] == "#values-alert"
    assert "nothing was saved" in response.content.decode()
    assert not Answer.objects.exists()


def test_a_missing_statement_field_is_a_message_too(member_client):
    data = post_data(first())
    del data["statement"]
    assert member_client.post(URL, data).status_code == 200
    assert not Answer.objects.exists()


@pytest.fixture
def newer_version(tmp_path):
    """A second questionnaire version: the loaded one becomes old."""
    data = read_questionnaire()
    data["version"] = Questionnaire.objects.current().version + 1
    path = tmp_path / "questionnaire.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return load_questionnaire(Questionnaire, Statement, path)


def test_a_statement_from_an_old_version_is_refused(member_client, member, newer_version):
    old = Statement.objects.exclude(questionnaire=newer_version).get(key="harm-reduction")
    response = member_client.post(URL, post_data(old), **HTMX)
    html = response.content.decode().replace("&#x27;", "’")
    assert response.status_code == 200
    assert OLD_VERSION_MESSAGE in html
    assert f'id="s-{old.key}"' in html and checked_values(html, "choice") == {"0"}
    response = member_client.post(URL, post_data(old))
    assert response.status_code == 200
    assert OLD_VERSION_MESSAGE in response.content.decode().replace("&#x27;", "’")
    response = member_client.post(URL, {"statement": old.pk, "action": "clear"})
    assert response.status_code == 200
    assert not Answer.objects.exists()
    # The page shows the new version, and the new statement saves.
    new = newer_version.statements.get(key="harm-reduction")
    assert f'name="statement" value="{new.pk}"' in member_client.get(URL).content.decode()
    assert member_client.post(URL, post_data(new)).status_code == 302


def test_the_service_refuses_an_old_statement(member, newer_version):
    old = Statement.objects.exclude(questionnaire=newer_version).first()
    with pytest.raises(ValidationError) as caught:
        answer_save(
            member=member, statement=old, choice=0, accepted=1, importance=1, dealbreaker=False
        )
    assert caught.value.code == "old_version"
    with pytest.raises(ValidationError):
        answer_clear(member=member, statement=old)


def test_the_service_checks_the_statements_own_range(member):
    two_options = next(s for s in statements() if s.option_count == 2)
    with pytest.raises(ValidationError) as caught:
        answer_save(
            member=member,
            statement=two_options,
            choice=2,
            accepted=0b100,
            importance=2,
            dealbreaker=False,
        )
    assert set(caught.value.message_dict) == {"choice", "accepted"}
    assert not Answer.objects.exists()


# --- Queries ------------------------------------------------------------------------------


def _queries(client) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(URL).status_code == 200
    return len(captured)


def test_the_page_makes_the_same_few_queries_however_much_is_answered(
    member_client, member, django_assert_max_num_queries
):
    member_client.get(URL)  # the first request of a session records the device
    none = _queries(member_client)
    for statement in statements():
        Answer.objects.create(member=member, statement=statement, choice=0, accepted=1)
    assert _queries(member_client) == none
    # Session, user and device (7, every page), then consent, statements, answers, and
    # the navigation's unread count.
    with django_assert_max_num_queries(11):
        member_client.get(URL)


def test_an_htmx_save_has_a_fixed_budget(member_client, django_assert_max_num_queries):
    member_client.post(URL, post_data(first()), **HTMX)
    # Most of it is full_clean() checking the answer's five named constraints (a
    # savepoint and a SELECT each), none of which reads a table; one reads the consent.
    with django_assert_max_num_queries(37):
        member_client.post(URL, post_data(first(), choice=1), **HTMX)


# --- The home page offers it right after approval -----------------------------------------


def test_home_offers_the_questionnaire_until_half_is_answered(member_client, member):
    html = member_client.get("/").content.decode()
    assert "Tell us what matters in your practice" in html
    assert f'href="{URL}"' in html and "0 of 19 answered" in html
    assert "Start the questionnaire" in html
    for statement in statements()[:9]:
        Answer.objects.create(member=member, statement=statement, choice=0, accepted=1)
    html = member_client.get("/").content.decode()
    assert "9 of 19 answered" in html and "Continue the questionnaire" in html
    Answer.objects.create(member=member, statement=statements()[9], choice=0, accepted=1)
    assert "Tell us what matters" not in member_client.get("/").content.decode()


def test_home_progress_costs_one_query(member_client, monkeypatch):
    member_client.get("/")  # the first request of a session records the device
    baseline = _home_queries(member_client)
    monkeypatch.setattr(
        "matching.home.values_progress", lambda member: services.Progress(answered=0, total=0)
    )
    assert baseline - _home_queries(member_client) == 1


def _home_queries(client) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/").status_code == 200
    return len(captured)
