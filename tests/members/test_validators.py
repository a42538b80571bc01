"""NPI validation with its Luhn check digit over the 80840 prefix."""

import pytest
from django.core.exceptions import ValidationError

from members.validators import luhn_valid, normalise_npi, validate_npi


@pytest.mark.parametrize("npi", ["1234567893", "1245319599", "1 234 567 893", "123-456-7893"])
def test_valid_npis(npi):
    validate_npi(npi)


@pytest.mark.parametrize(
    "npi, code",
    [
        ("1234567890", "npi_checksum"),  # one digit off
        ("1234567839", "npi_checksum"),  # two digits swapped
        ("123456789", "npi_format"),
        ("12345678901", "npi_format"),
        ("12345A7893", "npi_format"),
        ("", "npi_format"),
        ("3234567891", "npi_prefix"),
    ],
)
def test_invalid_npis_say_why(npi, code):
    with pytest.raises(ValidationError) as raised:
        validate_npi(npi)
    assert raised.value.code == code
    assert raised.value.messages[0].endswith(".")


def test_check_digit_uses_the_health_industry_prefix():
    # Without the 80840 prefix the same digits would fail the plain Luhn check.
    assert luhn_valid("80840" + "1234567893")
    assert not luhn_valid("1234567893")
    assert normalise_npi(" 1234-567 893 ") == "1234567893"
