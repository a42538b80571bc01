"""Words members read are American English: no British spellings in the templates of
the project, members, matching, messaging and notifications (code comments may be
either; `aria-labelledby` is HTML, not a spelling)."""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings

TEMPLATES = Path(settings.BASE_DIR) / "templates"
# The British form, spelled so that its American form never matches.
BRITISH = re.compile(
    r"\b("
    r"cancell(ed|ing|ation)"
    r"|(colour|behaviour|favour|honour|humour|labour|neighbour|endeavour)(s|ed|ing)?"
    r"|organis(e|ed|es|ing|ation|er)|recognis(e|ed|es|ing)|prioritis(e|ed|es|ing)"
    r"|apologis(e|ed|es|ing)|anonymis(e|ed|es|ing|ation)|authoris(e|ed|es|ing|ation)"
    r"|minimis(e|ed|es|ing)|summaris(e|ed|es|ing)|specialis(e|ed|es|ing|ation)"
    r"|centre|centred|licence|practis(e|ed|es|ing)|judgement|whilst|kilometre"
    r"|analys(e|ed|ing)|catalogue|programme|defence|offence|enrolment|counsell(or|ing)"
    r"|travell(ed|ing)"
    r")\b",
    re.IGNORECASE,
)
CHECKED = ["base.html", "pages", "partials", "errors", "allauth", "members", "matching"]
CHECKED += ["messaging", "notifications"]
# Other apps' own templates (events, groups, coffee, and the notification kinds they
# send) are checked by their owners.
OTHER_APPS_KINDS = ("event_", "group_", "coffee_")


def _templates() -> list[Path]:
    found = []
    for name in CHECKED:
        path = TEMPLATES / name
        found += [path] if path.is_file() else sorted(path.rglob("*.*"))
    return [
        path
        for path in found
        if not (
            path.parent.parent.name == "kinds" and path.parent.name.startswith(OTHER_APPS_KINDS)
        )
    ]


def test_templates_speak_american_english():
    offenders = []
    for path in _templates():
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for match in BRITISH.finditer(line):
                offenders.append(f"{path.relative_to(TEMPLATES)}:{number}: {match.group(0)}")
    assert not offenders, "British spellings:\n" + "\n".join(offenders)


def test_the_pattern_catches_british_and_spares_american():
    for british in ("cancelled", "colour", "practise", "honour", "organised", "centre"):
        assert BRITISH.search(f"We {british} it."), british
    for american in ("canceled", "color", "practice", "honor", "organized", "center"):
        assert not BRITISH.search(f"We {american} it."), american
    assert not BRITISH.search('<section aria-labelledby="x">')
