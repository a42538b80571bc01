"""The values questionnaire (matching/data/questionnaire.json), loaded by data migrations.

The file holds the current version. To change the questionnaire, edit the file, raise
`version`, and add a data migration that calls `load_questionnaire` again: the new
version gets new rows, and answers to the old version stay tied to the statements they
answered. Within one version, only wording (text, topic) may be corrected: changing the
options would silently change the meaning of answers already given, so it is refused.

The file also groups the statements into `steps`, the screens /me/values/ shows one at a
time. Steps are presentation only (read from the file at run time, never stored), so
regrouping needs no new version; a statement no step names is shown in a last step.
"""

import functools
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from matching.scoring import MAX_OPTIONS

DATA = Path(__file__).resolve().parent / "data" / "questionnaire.json"
MIN_OPTIONS = 2
# Kept well under MAX_OPTIONS (the bitmask limit): more than five options is a form no
# one enjoys filling in, twenty times over.
MAX_LISTED_OPTIONS = 5
assert MAX_LISTED_OPTIONS <= MAX_OPTIONS


def read_questionnaire(path: Path = DATA) -> dict:
    """The questionnaire file, checked; raises ValueError naming the first problem."""
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data.get("version"), int) or data["version"] < 1:
        raise ValueError("version must be a positive integer")
    statements = data.get("statements")
    if not isinstance(statements, list) or not statements:
        raise ValueError("statements must be a non-empty list")
    seen = set()
    for statement in statements:
        key = statement.get("key")
        if not isinstance(key, str) or not key or key in seen:
            raise ValueError(f"statement key {key!r} is missing or repeated")
        seen.add(key)
        for field in ("topic", "text"):
            if not isinstance(statement.get(field), str) or not statement[field].strip():
                raise ValueError(f"{key}: {field} must be non-empty text")
        options = statement.get("options")
        if (
            not isinstance(options, list)
            or not MIN_OPTIONS <= len(options) <= MAX_LISTED_OPTIONS
            or not all(isinstance(label, str) and label.strip() for label in options)
            or len(set(options)) != len(options)
        ):
            raise ValueError(
                f"{key}: options must be {MIN_OPTIONS} to {MAX_LISTED_OPTIONS} distinct labels"
            )
    _check_steps(data.get("steps", []), seen)
    return data


def _check_steps(steps, statement_keys: set[str]) -> None:
    if not isinstance(steps, list):
        raise ValueError("steps must be a list")
    step_keys, placed = set(), set()
    for step in steps:
        key = step.get("key") if isinstance(step, dict) else None
        if not isinstance(key, str) or not key or key in step_keys:
            raise ValueError(f"step key {key!r} is missing or repeated")
        step_keys.add(key)
        if not isinstance(step.get("title"), str) or not step["title"].strip():
            raise ValueError(f"step {key}: title must be non-empty text")
        named = step.get("statements")
        if not isinstance(named, list) or not named:
            raise ValueError(f"step {key}: statements must be a non-empty list")
        for statement in named:
            if statement not in statement_keys or statement in placed:
                raise ValueError(f"step {key}: statement {statement!r} is unknown or repeated")
            placed.add(statement)


@dataclass(frozen=True)
class Step:
    """One screen of the questionnaire: its statements, in the step's order."""

    key: str
    title: str
    intro: str
    statements: list  # of Statement
    number: int  # 1-based


LAST_STEP = ("more-statements", "More statements", "")


@functools.cache
def _step_specs(path: Path = DATA) -> tuple[tuple[str, str, str, tuple[str, ...]], ...]:
    return tuple(
        (step["key"], step["title"], step.get("intro", ""), tuple(step["statements"]))
        for step in read_questionnaire(path).get("steps", [])
    )


def steps_of(statements: Sequence, path: Path = DATA) -> list[Step]:
    """The current statements grouped into the file's steps (in each step's order); any
    statement no step names goes into a last step, so none is ever left out."""
    by_key = {statement.key: statement for statement in statements}
    steps, placed = [], set()
    for key, title, intro, keys in _step_specs(path):
        chosen = [by_key[k] for k in keys if k in by_key]
        if chosen:
            steps.append((key, title, intro, chosen))
            placed.update(statement.key for statement in chosen)
    rest = [statement for statement in statements if statement.key not in placed]
    if rest:
        steps.append((*LAST_STEP, rest))
    return [
        Step(key=key, title=title, intro=intro, statements=chosen, number=number)
        for number, (key, title, intro, chosen) in enumerate(steps, start=1)
    ]


def load_questionnaire(questionnaire_model, statement_model, path: Path = DATA):
    """Create (or update the wording of) the file's version. Takes the models so a data
    migration can pass its historical ones. Returns the questionnaire row."""
    data = read_questionnaire(path)
    questionnaire, _ = questionnaire_model.objects.get_or_create(version=data["version"])
    for position, entry in enumerate(data["statements"]):
        existing = statement_model.objects.filter(
            questionnaire=questionnaire, key=entry["key"]
        ).first()
        if existing is not None and existing.options != entry["options"]:
            raise ValueError(
                f"{entry['key']}: options changed within version {data['version']}; "
                "raise the version instead, so existing answers keep their meaning"
            )
        statement_model.objects.update_or_create(
            questionnaire=questionnaire,
            key=entry["key"],
            defaults={
                "position": position,
                "topic": entry["topic"],
                "text": entry["text"],
                "options": entry["options"],
            },
        )
    return questionnaire
