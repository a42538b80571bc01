"""A member answers the values questions and works through their suggestions, in a
real browser (issue 6).

Avery, a mid-career trauma therapist, has colleagues at the same stage with the same
focus: Blake, who shares Avery's priorities; Casey, who cares little about them; and
Dana, who disagrees with the one thing Avery will not compromise on.

  1. Before answering anything, /matches/ invites Avery to answer the values
     questions; the three colleagues are suggested on their profiles alone.
  2. From that invitation Avery reaches /me/values/, reads how answers are used and
     agrees, then answers two statements of the first step, one as a dealbreaker.
     Nothing is saved on a tap (leaving asks first); "Save and continue" saves the step,
     opens the next and says what was saved; a reload shows the saved choices.
  3. Back on /matches/: Dana is gone (Avery's dealbreaker), Blake comes first, and his
     reason names the priorities they share, in plain words and without anyone's
     answers.
  4. Avery dismisses Casey ("never"): the card turns into a confirmation in place.
     Casey does not come back: not on a reload, not in another tab, not after a visit
     to the questionnaire and a new answer. Undoing that answer puts it back.

No console error on any page.
"""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import Locator, Page, expect

from matching import engine
from matching.models import Answer, Dismissal
from matching.questionnaire import DATA
from tests.browser.test_directory_journey import expect_message, log_in, main_menu
from tests.matching.people import person

pytestmark = pytest.mark.browser

LGBTQ = "lgbtq-affirming-care"
CONVERSION = "conversion-practices"
# Option indexes, as in matching/data/questionnaire.json.
CENTRAL, YES, LEARNING, NO = range(4)
STRONGLY_AGREE, AGREE, UNSURE, DISAGREE, STRONGLY_DISAGREE = range(5)
EVERYTHING = 0b11111
VERY, A_LITTLE = 3, 1


@pytest.fixture(autouse=True)
def _fresh_engine():
    """The suggestion snapshot is per process: start and end without one, so members of
    other tests (flushed since) are not in it."""
    engine.reset()
    yield
    engine.reset()


def statements() -> dict[str, dict]:
    data = json.loads(DATA.read_text(encoding="utf-8"))
    return {item["key"]: item for item in data["statements"]}


def colleague(name: str, answers: dict):
    return person(
        name,
        stage="mid",
        place="oakland",
        specialties=["trauma-and-ptsd"],
        answers=answers,
    )


def texts_step_title(number: int) -> str:
    """The title of step `number` as the steps list shows it."""
    data = json.loads(DATA.read_text(encoding="utf-8"))
    return data["steps"][number - 1]["title"]


def steps_list(page: Page) -> Locator:
    return page.get_by_role("navigation", name="Steps of the questionnaire")


def statement_block(page: Page, key: str) -> Locator:
    return page.locator(f"#s-{key}")


def save_step(page: Page, button: str = "Save and continue") -> None:
    page.get_by_role("button", name=button, exact=True).click()
    page.wait_for_load_state("load")


MINE, ACCEPTED, IMPORTANCE = "My answer", "Answers I accept from a colleague", "How much it matters"


def option(block: Locator, legend: str, label: str) -> Locator:
    """The radio button or checkbox `label` in the fieldset `legend` of a statement."""
    return block.get_by_role("group", name=legend).get_by_label(label, exact=True)


def cards(page: Page) -> Locator:
    return page.locator("#matches").get_by_role("article")


def card_of(page: Page, name: str) -> Locator:
    return page.locator("#matches").get_by_role("article", name=name)


def card_names(page: Page) -> Locator:
    return page.locator("#matches").get_by_role("heading", level=3)


def test_member_answers_values_sees_reasons_and_dismisses_for_good(
    page: Page, console_errors: list[str]
):
    texts = statements()
    avery = person("Avery Quinn", stage="mid", place="berkeley", specialties=["trauma-and-ptsd"])
    colleague(
        "Blake Moreno",
        {LGBTQ: (YES, EVERYTHING ^ (1 << NO), VERY), CONVERSION: (AGREE, 0b00011, VERY)},
    )
    colleague("Casey Lindqvist", {LGBTQ: (LEARNING, EVERYTHING, A_LITTLE)})
    colleague("Dana Whitfield", {CONVERSION: (DISAGREE, EVERYTHING, A_LITTLE)})

    # 1. Nothing answered yet: an invitation, and suggestions on profiles alone.
    log_in(page, avery.profile)
    main_menu(page).get_by_role("link", name="Matches").click()
    expect(page.get_by_role("heading", name="Matches", level=1)).to_be_visible()
    expect(page.get_by_role("link", name="Peer consultation")).to_have_attribute(
        "aria-current", "page"
    )
    invitation = page.get_by_role("complementary", name="Tell us what matters in your practice")
    expect(invitation).to_be_visible()
    expect(card_names(page)).to_have_count(3)
    for name in ("Blake Moreno", "Casey Lindqvist", "Dana Whitfield"):
        expect(card_of(page, name)).to_be_visible()

    # 2. Avery answers two statements; each change saves in place.
    invitation.get_by_role("link", name="Answer the values questions").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("What matters in your practice")
    # First, how the answers are used; the questions come once Avery agrees.
    expect(
        page.get_by_role("heading", name="Before you start: how your answers are used")
    ).to_be_visible()
    expect(page.locator("#s-" + LGBTQ)).to_have_count(0)
    page.get_by_role("button", name="I agree: use my answers for matching").click()
    expect_message(page, "Your answers will be used only to suggest colleagues")
    progress = page.locator("#values-progress")
    expect(progress).to_contain_text("0 of 19 answered")
    expect(page.get_by_text("Step 1 of 4")).to_be_visible()

    lgbtq = statement_block(page, LGBTQ)
    options = texts[LGBTQ]["options"]
    option(lgbtq, MINE, options[CENTRAL]).check()
    option(lgbtq, ACCEPTED, options[NO]).uncheck()
    option(lgbtq, IMPORTANCE, "Very").check()
    conversion = statement_block(page, CONVERSION)
    options = texts[CONVERSION]["options"]
    option(conversion, MINE, options[STRONGLY_AGREE]).check()
    for refused in (UNSURE, DISAGREE, STRONGLY_DISAGREE):
        option(conversion, ACCEPTED, options[refused]).uncheck()
    option(conversion, IMPORTANCE, "Very").check()
    conversion.get_by_label(re.compile(r"^Dealbreaker")).check()
    # Taps change nothing yet: no request was made, nothing is saved.
    expect(progress).to_contain_text("0 of 19 answered")
    assert not Answer.objects.filter(member=avery).exists()

    # Leaving with choices not saved asks first (here: stay).
    questions = []

    def stay(dialog) -> None:
        questions.append(dialog.type)
        dialog.dismiss()

    page.once("dialog", stay)
    steps_list(page).get_by_role("link", name=texts_step_title(2)).click()
    expect(option(conversion, MINE, options[STRONGLY_AGREE])).to_be_checked()
    assert questions == ["beforeunload"]

    save_step(page)
    expect(page.get_by_text("Step 2 of 4")).to_be_visible()
    note = page.get_by_role("status").filter(has_text="Saved.")
    expect(note).to_contain_text("Your 2 changes in “Affirming care” are saved.")
    expect(note.get_by_role("button", name=re.compile("^Undo"))).to_be_visible()
    expect(page.locator("#values-progress")).to_contain_text("2 of 19 answered")

    # The first step shows exactly what was saved.
    steps_list(page).get_by_role("link", name=re.compile("Affirming care")).click()
    lgbtq, conversion = statement_block(page, LGBTQ), statement_block(page, CONVERSION)
    expect(page.locator("#values-progress")).to_contain_text("2 of 19 answered")
    options = texts[CONVERSION]["options"]
    expect(option(conversion, MINE, options[STRONGLY_AGREE])).to_be_checked()
    expect(option(conversion, ACCEPTED, options[AGREE])).to_be_checked()
    expect(option(conversion, ACCEPTED, options[DISAGREE])).not_to_be_checked()
    expect(conversion.get_by_label(re.compile(r"^Dealbreaker"))).to_be_checked()
    expect(option(lgbtq, ACCEPTED, texts[LGBTQ]["options"][NO])).not_to_be_checked()
    expect(option(lgbtq, IMPORTANCE, "Very")).to_be_checked()

    # 3. The suggestions now follow Avery's values.
    main_menu(page).get_by_role("link", name="Matches").click()
    expect(page.get_by_role("heading", name="Matches", level=1)).to_be_visible()
    expect(card_names(page)).to_have_text(["Blake Moreno", "Casey Lindqvist"])
    expect(page.locator("#matches").get_by_text("Dana Whitfield")).to_have_count(0)
    blake = card_of(page, "Blake Moreno")
    # The tab's own ground first, then the one priority only Blake shares with Avery.
    expect(blake).to_contain_text(
        "Shared focus on trauma and PTSD; you both prioritize LGBTQ+-affirming care"
    )
    # Reasons speak of shared priorities, never of anyone's answers or dealbreakers.
    reasons = page.locator("#matches .match-reason").all_inner_texts()
    assert len(reasons) == 2
    for key in (LGBTQ, CONVERSION):
        for answer in texts[key]["options"]:
            assert not any(re.search(rf"\b{re.escape(answer)}\b", r, re.I) for r in reasons)
        expect(page.locator("#matches")).not_to_contain_text(texts[key]["text"])
    expect(page.locator("#matches")).not_to_contain_text(re.compile("dealbreaker", re.I))

    # 4. Avery never wants Casey suggested: the card becomes a confirmation in place.
    page.evaluate("window.journeyDocument = true")
    card_of(page, "Casey Lindqvist").get_by_role("button", name="Never suggest Casey").click()
    confirmation = page.get_by_role("status").filter(
        has_text="We won’t suggest Casey Lindqvist again."
    )
    expect(confirmation).to_be_visible()
    # The pressed button went with the card; focus stays in the list, on the confirmation.
    expect(confirmation.locator("p")).to_be_focused()
    expect(card_of(page, "Casey Lindqvist")).to_have_count(0)
    assert page.evaluate("window.journeyDocument === true"), "the page was reloaded"
    assert Dismissal.objects.filter(
        member=avery, other__profile__display_name="Casey Lindqvist", kind="never"
    ).exists()

    page.reload()
    expect(card_names(page)).to_have_text(["Blake Moreno"])
    page.get_by_role("link", name="Coffee date").click()
    expect(page.get_by_role("link", name="Coffee date")).to_have_attribute("aria-current", "page")
    expect(page.get_by_role("heading", name="Coffee date", level=2)).to_be_visible()
    expect(card_of(page, "Blake Moreno")).to_be_visible()  # Casey is near enough too
    expect(page.locator("#matches")).not_to_contain_text("Casey Lindqvist")

    # A new answer reranks everyone, and still leaves Casey out.
    page.goto("/me/values/?step=with-clients")
    harm = texts["harm-reduction"]
    block = statement_block(page, "harm-reduction")
    option(block, MINE, harm["options"][0]).check()
    save_step(page)
    expect(page.locator("#values-progress")).to_contain_text("3 of 19 answered")
    page.goto("/matches/?purpose=peer_consultation")
    expect(card_names(page)).to_have_text(["Blake Moreno"])
    expect(cards(page)).to_have_count(1)

    # Changed her mind: Undo puts the answer back as it was (unanswered).
    page.goto("/me/values/?step=ways-of-working&saved=with-clients")
    page.get_by_role("status").get_by_role("button", name=re.compile("^Undo")).click()
    expect(page.get_by_role("status")).to_contain_text(
        "Your answers in “With your clients” are back as they were."
    )
    expect(page.locator("#values-progress")).to_contain_text("2 of 19 answered")
    expect(
        option(statement_block(page, "harm-reduction"), MINE, harm["options"][0])
    ).not_to_be_checked()

    assert console_errors == [], "\n".join(console_errors)
