"""The client-identifier warning (hive/client_identifiers.py) on messages clinicians
actually write: it must notice what identifies a client and stay quiet on ordinary
consultation talk, or people learn to ignore it."""

import pytest

from hive.client_identifiers import find_client_identifiers

IDENTIFYING = [
    ("My client (DOB 4/12/2009) is struggling after the move.", "a date of birth"),
    ("She was born on March 3, 1987 and presents with panic.", "a date of birth"),
    ("Intake was 04/12/2019, referral from her PCP.", "a full date with a year"),
    ("Her mom's cell is (503) 555-0142 if you need it.", "a phone number"),
    ("Call him at 503.555.0142 after 5.", "a phone number"),
    ("You can reach the family at jkowalski88@gmail.com.", "an email address"),
    ("They live at 1420 NE Alberta Street, near the school.", "a street address"),
    ("He's at 77 Elm Ave now, with his aunt.", "a street address"),
    ("Pulling the chart: MRN 00482913, admitted last week.", "a record number"),
    ("Case no. 2024-11837 at the county, for the custody eval.", "a record number"),
    ("SSN on the form was 123-45-6789, which worries me.", "a Social Security number"),
]

ORDINARY = [
    "Can we talk at 3:30 about a teen with ADHD and school refusal?",
    "I'm seeing a 34-year-old with PTSD after a car accident; EMDR or CPT?",
    "Looking at DSM-5 criteria for PMDD, any thoughts on 6-8 week trials?",
    "The group meets on the 2nd Tuesday, 7-8:30 pm, room 12.",
    "She scored 21 on the PHQ-9 and 15 on the GAD-7 last session.",
    "I've been in practice since 2009 and took the CE in May 2026.",
    "Our office is on the 3rd floor; parking is free after 6.",
    "Two sessions a week for 12 weeks, then we reassess.",
    "Email me through Hive rather than at the office, thanks!",
    "Happy to refer: she takes sliding scale, around $60-90 a session.",
]


@pytest.mark.parametrize(("text", "kind"), IDENTIFYING)
def test_what_identifies_a_client_is_noticed(text, kind):
    assert kind in [finding.kind for finding in find_client_identifiers(text)]


@pytest.mark.parametrize("text", ORDINARY)
def test_ordinary_consultation_talk_passes_quietly(text):
    assert find_client_identifiers(text) == []


def test_a_date_of_birth_is_reported_once():
    findings = find_client_identifiers("DOB 4/12/2009, seen twice.")
    assert [f.kind for f in findings] == ["a date of birth"]
