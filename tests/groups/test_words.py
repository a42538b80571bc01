"""American English where members read about groups and events (SPEC: "every word they
read is American English"): the words of their templates and emails, with template
code (tags, variables, comments) set aside, and the labels of their choices and
notification kinds. Code may keep its own spelling (stored values like "cancelled")."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings

from events import models as event_models
from groups import models as group_models
from notifications import registry

BRITISH = re.compile(
    r"\b(cancell(ed|ing)|organis\w*|recognis\w*|prioritis\w*|colour\w*|behaviour\w*|"
    r"favour\w*|centre[sd]?|licence[sd]?|judgement|neighbour\w*|travell\w*|catalogue|"
    r"programme|whilst|amongst|apologis\w*|summaris\w*|emphasis(e|ed|ing))\b",
    re.IGNORECASE,
)
TEMPLATE_CODE = re.compile(r"{%.*?%}|{{.*?}}|{#.*?#}", re.DOTALL)
COMMENT_BLOCK = re.compile(r"{%\s*comment\s*%}.*?{%\s*endcomment\s*%}", re.DOTALL)


def _templates() -> list[Path]:
    root = Path(settings.BASE_DIR) / "templates"
    found = [*root.glob("groups/**/*.html"), *root.glob("events/**/*.html")]
    for kind in ("group_*", "event_*"):
        found += [p for p in (root / "notifications" / "kinds").glob(f"{kind}/*") if p.is_file()]
    return sorted(found)


def test_the_walk_finds_the_templates():
    names = {p.name for p in _templates()}
    assert {"group_detail.html", "event_detail.html", "subject.txt"} <= names


@pytest.mark.parametrize("path", _templates(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_template_words(path):
    text = COMMENT_BLOCK.sub("", path.read_text())
    words = TEMPLATE_CODE.sub(" ", text)
    assert BRITISH.findall(words) == [], path


def test_labels_members_read():
    labels = []
    for module in (group_models, event_models):
        for value in vars(module).values():
            if isinstance(value, type) and hasattr(value, "_meta"):
                for field in value._meta.get_fields():
                    labels += [str(label) for _, label in getattr(field, "choices", None) or []]
    for kind in registry.KINDS.values():
        if kind.name.startswith(("group_", "event_")):
            labels += [kind.label, kind.description]
    assert labels
    assert [label for label in labels if BRITISH.search(label)] == []


def test_a_canceled_session_says_so(client, db):
    from groups import sessions
    from tests.groups.factories import add_member, make_group

    group = make_group()
    member = add_member(group).member
    session = group.sessions.first()
    sessions.session_cancel(session=session, by=group.organizer)
    client.force_login(member)
    page = client.get(f"/groups/{group.slug}/sessions/{session.pk}/").content.decode()
    assert "Canceled" in page and "Cancelled" not in page
    from notifications.models import Notification

    note = Notification.objects.get(recipient=member, kind="group_session_changed")
    assert "canceled" in note.in_app_text() and "cancelled" not in note.in_app_text()
