"""Validators for what applicants type: clear messages, no guessing."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError

# Every NPI is a 10-digit number whose last digit is a Luhn check digit computed over
# the 9 leading digits prefixed with 80840 (the health-industry issuer prefix): CMS,
# "Requirements for NPI check digit".
NPI_PREFIX = "80840"


def luhn_valid(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def validate_npi(value: str) -> None:
    """A National Provider Identifier: exactly 10 digits with a valid check digit."""
    cleaned = re.sub(r"[\s-]", "", value or "")
    if not cleaned.isdigit() or len(cleaned) != 10:
        raise ValidationError(
            "An NPI is exactly 10 digits (you can find yours in the NPPES registry).",
            code="npi_format",
        )
    if cleaned[0] not in "12":
        raise ValidationError("An NPI starts with 1 or 2.", code="npi_prefix")
    if not luhn_valid(NPI_PREFIX + cleaned):
        raise ValidationError(
            "This NPI's last digit does not match the others: please check it for a typo.",
            code="npi_checksum",
        )


def normalise_npi(value: str) -> str:
    return re.sub(r"[\s-]", "", value or "")
