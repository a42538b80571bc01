"""hive.http.slug_reverse and {% slug_url %}: the same URL as reverse() and {% url %}."""

import pytest
from django.template import Context, Template
from django.urls import NoReverseMatch, reverse, set_script_prefix

from hive.http import slug_reverse


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("home", []),
        ("members:directory", []),
        ("members:profile", ["dana-owner"]),
        ("members:connect", ["a_b-9"]),
        ("matching:dismiss", ["x"]),
        ("members:photo", ["dana", "token-1", 96]),  # an int: reverse() itself
    ],
)
def test_slug_reverse_is_reverse(name, args):
    assert slug_reverse(name, *args) == reverse(name, args=args)


def test_slug_reverse_follows_the_script_prefix():
    try:
        set_script_prefix("/hive/")
        assert slug_reverse("members:profile", "dana") == "/hive/members/dana/"
    finally:
        set_script_prefix("/")
    assert slug_reverse("members:profile", "dana") == "/members/dana/"


def test_a_value_that_is_not_a_slug_goes_through_reverse():
    # reverse() quotes it and then finds it does not match the slug converter.
    with pytest.raises(NoReverseMatch):
        slug_reverse("members:profile", "not a slug")


def test_slug_url_tag_writes_what_url_writes():
    template = Template(
        "{% load links %}{% slug_url 'members:profile' handle %}|{% url 'members:profile' handle %}"
        "|{% slug_url 'members:connect' handle as link %}{{ link }}"
    )
    first, second, third = template.render(Context({"handle": "lee-ann"})).split("|")
    assert first == second == "/members/lee-ann/"
    assert third == "/members/lee-ann/connect/"
