"""A warning, never a block: does a message or a note look like it holds something that
identifies a client? Clinicians consult about clients all the time, de-identified; a
date of birth, a phone number, an email or street address, or a record number turns a
consultation into a disclosure. Messaging and group notes ask `find_client_identifiers`
before sending and show what it found, and the member decides.

Patterns are deliberately narrow: a false alarm on every "see you at 3:30" or "DSM-5"
teaches people to ignore the warning. Tested on realistic examples and non-examples in
tests/hive/test_client_identifiers.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Finding:
    kind: str  # what it looks like, in words a member reads
    text: str  # the part of the message that looks like it


_MONTHS = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|jun(?:e)?|jul(?:y)?|"
    r"aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_STREET_TYPES = (
    r"(?:street|st|avenue|ave|road|rd|boulevard|blvd|lane|ln|drive|dr|court|ct|place|pl|"
    r"terrace|ter|way|circle|cir|highway|hwy|parkway|pkwy)"
)

_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    (
        "a date of birth",
        re.compile(
            # "DOB 4/12/2009", "born 04-12-09", "date of birth: March 3, 1987"
            r"\b(?:d\.?o\.?b\.?|date of birth|born(?: on)?|birthday)\b[:\s]*"
            r"(?:\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}|" + _MONTHS + r"\.?\s+\d{1,2}(?:st|nd|rd|th)?,?"
            r"\s+\d{4}|\d{1,2}\s+" + _MONTHS + r"\.?\s+\d{4})",
            re.IGNORECASE,
        ),
    ),
    (
        "a full date with a year",
        # A calendar date with a four-digit year, e.g. 4/12/2009: in a consultation
        # message about a client this is most often a birth or admission date.
        re.compile(r"\b\d{1,2}/\d{1,2}/(?:19|20)\d{2}\b"),
    ),
    (
        "a phone number",
        re.compile(r"(?<![\w/.-])(?:\+?1[\s.-]?)?\(?\d{3}\)?[\s.-]\d{3}[\s.-]\d{4}(?![\w/-])"),
    ),
    ("an email address", re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}\b", re.I)),
    (
        "a street address",
        re.compile(
            r"\b\d{1,6}\s+(?:[NSEW]\.?\s+)?(?:[A-Z][a-z]+\s+){1,3}" + _STREET_TYPES + r"\b\.?",
            re.IGNORECASE,
        ),
    ),
    (
        "a record number",
        re.compile(
            r"\b(?:mrn|medical record(?: number| no\.?| #)?|record (?:number|no\.?|#)|"
            r"patient id|client id|case (?:number|no\.?|#)|chart (?:number|no\.?|#))"
            r"[:#\s]*[A-Z]{0,3}-?\d{4,}\b",
            re.IGNORECASE,
        ),
    ),
    ("a Social Security number", re.compile(r"\b\d{3}-\d{2}-\d{4}\b")),
]


def find_client_identifiers(text: str) -> list[Finding]:
    """What in `text` looks like it could identify a client, in order of appearance
    (at most one finding per kind and piece of text)."""
    found: list[tuple[int, Finding]] = []
    seen: set[tuple[str, str]] = set()
    for kind, pattern in _PATTERNS:
        for match in pattern.finditer(text):
            key = (kind, match.group(0))
            if key not in seen:
                seen.add(key)
                found.append((match.start(), Finding(kind=kind, text=match.group(0).strip())))
    # A date of birth is also a full date: say it once, the more specific way.
    births = {f.text for _, f in found if f.kind == "a date of birth"}
    found = [
        (at, f)
        for at, f in found
        if not (f.kind == "a full date with a year" and any(f.text in b for b in births))
    ]
    return [finding for _, finding in sorted(found, key=lambda pair: pair[0])]
