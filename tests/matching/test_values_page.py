"""/me/values/: the values questionnaire one step (screen) at a time, saved only when
the member presses a button, with a visible "saved" note and an Undo; its messages;
and the home page's nudge towards it."""

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
from matching.views.values import NOT_SAVED, UNKNOWN_STEP
from members.models import User
from tests.matching.values_posts import (
    URL,
    answer_fields,
    answer_one,
    statements,
    step_data,
    step_of,
    steps,
)
from tests.members.factories import MemberFactory, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def member(member):
    """A member who agreed that their answers may be used (test_values_consent.py covers
    the page before that)."""
    services.values_consent_give(member=member)
    return member


def first() -> Statement:
    return steps()[0].statements[0]


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


def unescaped(html: str) -> str:
    return html.replace("&#x27;", "'").replace("&quot;", '"').replace("&amp;", "&")


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
    response = answer_one(client, first())
    assert response.status_code == 302 and response.url == reverse("members:status")
    assert not Answer.objects.exists()


@pytest.mark.parametrize("make", [MemberFactory, StaffFactory], ids=["member", "staff"])
def test_members_and_staff_without_a_profile_can_answer(client, make):
    person = make()
    services.values_consent_give(member=person)
    client.force_login(person)
    assert client.get(URL).status_code == 200
    assert answer_one(client, first()).status_code == 302
    assert Answer.objects.filter(member=person).count() == 1


def test_a_signed_out_save_goes_to_log_in_and_saves_nothing(client):
    response = answer_one(client, first())
    assert response.status_code == 302 and reverse("account_login") in response.url
    assert not Answer.objects.exists()


def test_writes_need_the_csrf_token(member):
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    page = client.get(URL).content.decode()
    data = step_data(steps()[0], {first(): {}})
    assert client.post(URL, data).status_code == 403
    assert not Answer.objects.exists()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    response = client.post(URL, {**data, "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert Answer.objects.filter(member=member).count() == 1
    assert json.loads(re.search(r"hx-headers='([^']+)'", page).group(1))["X-CSRFToken"]


def test_values_is_in_the_me_menu(member_client):
    html = member_client.get(URL).content.decode()
    menu = html.split('class="menu-items"', 1)[1].split("</ul>", 1)[0]
    assert f'href="{URL}" aria-current="page">Values</a>' in menu
    assert menu.index(">Privacy<") < menu.index(">Values<")


# --- One step per screen -------------------------------------------------------------------


def test_the_questionnaire_is_in_steps_that_hold_every_statement_once():
    keys = [s.key for step in steps() for s in step.statements]
    assert sorted(keys) == sorted(s.key for s in statements())
    assert len(steps()) == 4 and all(3 <= len(step.statements) <= 5 for step in steps())


def test_the_page_shows_one_step_with_the_privacy_note_and_the_steps(member_client):
    html = member_client.get(URL).content.decode()
    step = steps()[0]
    positions = [html.index(f'id="s-{s.key}"') for s in step.statements]
    assert positions == sorted(positions)
    for other in steps()[1].statements:
        assert f'id="s-{other.key}"' not in html
    assert "Step 1 of 4" in html and f'<h2 id="step-title">{step.title}</h2>' in html
    assert "Your answers are private" in html
    assert "you both prioritize harm reduction" in html
    for label in ("My answer", "Answers I accept from a colleague", "How much it matters"):
        assert label in html
    # The steps, each a link, the current one marked, with how much of it is answered.
    nav = html.split('aria-label="Steps of the questionnaire"', 1)[1].split("</nav>", 1)[0]
    for each in steps():
        assert f'href="{URL}?step={each.key}"' in nav
    assert nav.count('aria-current="step"') == 1
    assert f"0 of {len(step.statements)}" in nav


def test_a_step_is_one_form_that_saves_only_when_a_button_is_pressed(member_client):
    html = member_client.get(URL).content.decode()
    assert html.count('class="values-form"') == 1
    form = html.split('class="values-form"', 1)[1].split("</form>", 1)[0]
    # No save on a tap: nothing posts on change, and one button saves the screen.
    assert "hx-post" not in form and "hx-trigger" not in form
    assert form.count(">Save and continue</button>") == 1
    assert ">Save</button>" not in form.replace('aria-hidden="true">Save</button>', "")
    assert f'name="step" value="{steps()[0].key}"' in form
    assert f'name="version" value="{Questionnaire.objects.current().pk}"' in form
    assert 'data-unsaved-warning="' in html
    # Field names carry the statement's key, so one form holds the whole step.
    assert f'name="{first().key}-choice"' in form


def test_a_step_can_be_opened_by_its_key_and_an_unknown_one_opens_the_first(member_client):
    third = steps()[2]
    html = member_client.get(URL, {"step": third.key}).content.decode()
    assert f'id="s-{third.statements[0].key}"' in html and "Step 3 of 4" in html
    assert 'name="action" value="save" class="button">Save and continue' in html
    last = member_client.get(URL, {"step": steps()[-1].key}).content.decode()
    assert ">Save answers</button>" in last
    assert f'?step={steps()[-2].key}">Back to' in last
    assert "Step 1 of 4" in member_client.get(URL, {"step": "nope"}).content.decode()


def test_the_page_opens_at_the_step_of_the_first_unanswered_statement(member, member_client):
    for statement in steps()[0].statements:
        Answer.objects.create(member=member, statement=statement, choice=0, accepted=1)
    html = member_client.get(URL).content.decode()
    assert "Step 2 of 4" in html


def test_unanswered_statements_accept_everything_until_narrowed(member_client):
    html = member_client.get(URL).content.decode()
    statement = first()
    part = block(html, statement)
    key = statement.key
    assert checked_values(part, f"{key}-accepted") == {
        str(i) for i in range(statement.option_count)
    }
    assert checked_values(part, f"{key}-choice") == set()
    assert checked_values(part, f"{key}-importance") == {str(Answer.Importance.SOMEWHAT)}
    assert "All are ticked until you narrow them" in part
    assert "Not answered yet" in part and "Clear my answer" not in part


# --- Saving -------------------------------------------------------------------------------


def test_saving_a_step_saves_what_was_answered_and_moves_on(member_client, member):
    step = steps()[0]
    one, two, untouched = step.statements[:3]
    response = member_client.post(
        URL,
        step_data(step, {one: {"dealbreaker": "on"}, two: {"choice": 1, "accepted": [1]}}),
    )
    assert response.status_code == 302
    assert response.url == f"{URL}?step={steps()[1].key}&saved={step.key}"
    saved = {a.statement_id: a for a in Answer.objects.filter(member=member)}
    assert set(saved) == {one.pk, two.pk}  # the untouched statement stays unanswered
    assert (saved[one.pk].choice, saved[one.pk].accepted, saved[one.pk].dealbreaker) == (
        0,
        0b11,
        True,
    )
    assert (saved[two.pk].choice, saved[two.pk].accepted) == (1, 0b10)
    assert untouched.pk not in saved

    # The next step says what was saved, with an Undo.
    html = member_client.get(response.url).content.decode()
    note = html.split('class="values-note" role="status"', 1)[1].split("</div>", 1)[0]
    assert f"Your 2 changes in “{step.title}” are saved." in unescaped(note)
    assert 'name="action" value="undo"' in note and ">Undo<" in note
    assert "Step 2 of 4" in html and "2 of 19 answered" in html
    # Back on the first step, the answers are there.
    html = member_client.get(URL, {"step": step.key}).content.decode()
    part = block(html, one)
    assert "Answered" in part and "Dealbreaker" in part
    assert checked_values(part, f"{one.key}-choice") == {"0"}
    assert checked_values(part, f"{one.key}-accepted") == {"0", "1"}
    assert "Clear my answer" in part


def test_saving_again_updates_the_one_answer_and_nothing_changed_means_no_undo(
    member_client, member
):
    statement = first()
    answer_one(member_client, statement)
    answer_one(member_client, statement, choice=2, accepted=[2, 3])
    answer = Answer.objects.get(member=member, statement=statement)
    assert (answer.choice, answer.accepted) == (2, 0b1100)
    response = answer_one(member_client, statement, choice=2, accepted=[2, 3])
    assert response.url == f"{URL}?step={steps()[1].key}"  # moved on, no "saved" note
    assert "values-note" not in member_client.get(response.url).content.decode()


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


# --- Undo ---------------------------------------------------------------------------------


def test_undo_puts_the_answers_back_as_they_were(member_client, member):
    step = steps()[0]
    changed, added = step.statements[:2]
    Answer.objects.create(
        member=member, statement=changed, choice=1, accepted=0b110, importance=1, dealbreaker=False
    )
    member_client.post(URL, step_data(step, {changed: {"choice": 3}, added: {}}, member=member))
    assert Answer.objects.filter(member=member).count() == 2
    response = member_client.post(URL, {"action": "undo"})
    assert response.status_code == 302
    assert response.url == f"{URL}?step={step.key}&undone={step.key}"
    answers = list(Answer.objects.filter(member=member))
    assert len(answers) == 1  # the new answer is gone again
    assert (answers[0].statement_id, answers[0].choice, answers[0].accepted) == (
        changed.pk,
        1,
        0b110,
    )
    html = member_client.get(response.url).content.decode()
    assert f"Your answers in “{step.title}” are back as they were." in unescaped(html)
    # Only the last save can be undone, once.
    response = member_client.post(URL, {"action": "undo"}, follow=True)
    assert "There is nothing to undo." in response.content.decode()
    assert Answer.objects.filter(member=member).count() == 1


def test_undo_leaves_statements_of_an_older_version_alone(member_client, member, newer_version):
    old = Statement.objects.exclude(questionnaire=newer_version).get(key=first().key)
    # (The fixture made a new version: the page now shows it, so save there.)
    new_first = newer_version.statements.get(key=first().key)
    member_client.post(URL, step_data(step_of(new_first), {new_first: {}}))
    assert Answer.objects.filter(member=member, statement=new_first).exists()
    session = member_client.session
    record = session["matching_values_undo"]
    record["previous"][str(old.pk)] = [0, 1, 1, False]  # as if saved before the new version
    session["matching_values_undo"] = record
    session.save()
    member_client.post(URL, {"action": "undo"})
    assert not Answer.objects.filter(member=member).exists()  # nothing for the old one


# --- Clearing -----------------------------------------------------------------------------


def test_clearing_an_answer_stays_on_the_step_and_can_be_undone(member_client, member):
    step = steps()[0]
    one, two = step.statements[:2]
    member_client.post(URL, step_data(step, {one: {}, two: {}}))
    response = member_client.post(URL, step_data(step, member=member, clear=one.key))
    assert response.url == f"{URL}?step={step.key}&saved={step.key}"
    remaining = Answer.objects.filter(member=member).values_list("statement", flat=True)
    assert list(remaining) == [two.pk]
    part = block(member_client.get(response.url).content.decode(), one)
    assert "Not answered yet" in part
    member_client.post(URL, {"action": "undo"})
    assert Answer.objects.filter(member=member).count() == 2


# --- Problems: a message beside the statement, nothing lost, nothing saved ----------------


PROBLEMS = [
    ({"accepted": None}, "accepted", "Tick at least one answer you accept from a colleague."),
    ({"choice": None, "importance": 3}, "choice", "Choose your own answer first."),
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
def test_a_problem_is_shown_beside_its_statement_and_nothing_is_saved(
    member_client, overrides, field, message
):
    step = steps()[0]
    good, bad = step.statements[:2]
    response = member_client.post(URL, step_data(step, {good: {}, bad: overrides}))
    assert response.status_code == 200
    html = response.content.decode()
    part = unescaped(block(html, bad))
    assert f'<ul class="errorlist" id="id_{bad.key}-{field}_error"><li>{message}</li>' in part
    assert "Not saved: see the message above." in part
    assert 'class="card values-statement has-error"' in html
    assert NOT_SAVED in unescaped(html)
    # All or nothing: the valid statement beside it is not saved either...
    assert not Answer.objects.exists()
    # ...and everything chosen is still chosen.
    assert checked_values(block(html, good), f"{good.key}-choice") == {"0"}
    if field != "choice":
        assert checked_values(part, f"{bad.key}-choice") == {"0"}
    if overrides.get("importance") is not None and field != "importance":
        assert checked_values(part, f"{bad.key}-importance") == {str(overrides["importance"])}
    assert "errorlist" not in block(html, good)


def test_a_failed_change_keeps_the_saved_answer(member_client, member):
    statement = first()
    answer_one(member_client, statement)
    response = answer_one(member_client, statement, member=member, accepted=None)
    assert "Tick at least one answer" in response.content.decode()
    assert Answer.objects.get(member=member, statement=statement).accepted == 0b11
    assert "Clear my answer" in response.content.decode()  # it is still answered


@pytest.mark.parametrize("raw", ["nope", "", "1" * 40])
def test_an_unknown_step_is_a_message_not_an_error(member_client, raw):
    data = step_data(steps()[0], {first(): {}})
    data["step"] = raw
    response = member_client.post(URL, data)
    assert response.status_code == 200
    assert UNKNOWN_STEP in unescaped(response.content.decode()).replace("'", "’")
    assert not Answer.objects.exists()


@pytest.fixture
def newer_version(tmp_path):
    """A second questionnaire version: the loaded one becomes old."""
    data = read_questionnaire()
    data["version"] = Questionnaire.objects.current().version + 1
    path = tmp_path / "questionnaire.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return load_questionnaire(Questionnaire, Statement, path)


def test_a_step_from_an_old_version_is_refused_with_the_choices_kept(
    member_client, member, newer_version
):
    old = Statement.objects.exclude(questionnaire=newer_version).get(key="harm-reduction")
    new = newer_version.statements.get(key="harm-reduction")
    # The form as the old page had it: the same names (statement keys), the old version.
    data = step_data(step_of(new), {new: {"choice": 1}})
    data["version"] = old.questionnaire_id
    response = member_client.post(URL, data)
    html = unescaped(response.content.decode()).replace("'", "’")
    assert response.status_code == 200
    assert OLD_VERSION_MESSAGE in html
    assert checked_values(block(response.content.decode(), new), "harm-reduction-choice") == {"1"}
    assert not Answer.objects.exists()
    # The page shows the new version, and the new statement saves.
    assert member_client.post(URL, step_data(step_of(new), {new: {}})).status_code == 302
    assert Answer.objects.get(member=member).statement == new


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


def test_saving_several_is_all_or_nothing(member):
    one, two = statements()[:2]
    good = services.AnswerValues(choice=0, accepted=1, importance=2, dealbreaker=False)
    bad = services.AnswerValues(choice=9, accepted=1, importance=2, dealbreaker=False)
    with pytest.raises(ValidationError):
        services.answers_save(member=member, changes=[(one, good), (two, bad)])
    assert not Answer.objects.exists()
    before = services.answers_save(member=member, changes=[(one, good), (two, None)])
    assert before == {one.pk: None}  # the second was unanswered and stays so: no change


# --- Progress -----------------------------------------------------------------------------


def test_progress_counts_answers_to_the_current_questionnaire(member_client, member):
    for statement in statements()[:7]:
        Answer.objects.create(member=member, statement=statement, choice=0, accepted=1)
    html = member_client.get(URL).content.decode()
    assert "7 of 19 answered" in html
    assert re.search(r'<progress id="values-progress-bar" max="19" value="7">', html)
    assert '<label class="values-progress-label" for="values-progress-bar">' in html
    # The next unanswered in the order the steps show them.
    following = next(s for step in steps() for s in step.statements if s not in statements()[:7])
    assert f'href="{URL}?step={step_of(following).key}#s-{following.key}">Next unanswered' in html
    progress = services.values_progress(member=member)
    assert (progress.answered, progress.total) == (7, 19)
    assert not progress.at_least_half


def test_all_answered_says_thank_you(member, member_client):
    for statement in statements():
        Answer.objects.create(member=member, statement=statement, choice=0, accepted=1)
    html = member_client.get(URL).content.decode()
    assert "19 of 19 answered" in html and "All answered" in html
    assert "Next unanswered" not in html
    nav = html.split('aria-label="Steps of the questionnaire"', 1)[1].split("</nav>", 1)[0]
    assert nav.count("is-complete") == 4


# --- Queries ------------------------------------------------------------------------------


def _queries(client, method="get", data=None) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = getattr(client, method)(URL, data or {})
        assert response.status_code in (200, 302)
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


def test_a_save_costs_the_same_however_many_statements_are_left_untouched(member_client, member):
    step = steps()[0]
    one, two = step.statements[:2]
    member_client.get(URL)
    first_save = _queries(member_client, "post", step_data(step, {one: {}}))
    # The same change with the step's other statements answered (and unchanged).
    Answer.objects.filter(member=member).delete()
    for statement in step.statements[1:]:
        Answer.objects.create(member=member, statement=statement, choice=0, accepted=1)
    again = _queries(member_client, "post", step_data(step, {one: {}}, member=member))
    assert again == first_save
    assert Answer.objects.filter(member=member, statement=two).get().choice == 0


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


def test_answer_fields_name_the_statement():
    """The helper's own contract: the page's names (guards the tests above)."""
    statement = statements()[0]
    assert answer_fields(statement, choice=None) == {
        f"{statement.key}-accepted": [0, 1],
        f"{statement.key}-importance": Answer.Importance.VERY,
    }
