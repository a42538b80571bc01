"""hive.widgets renders exactly what Django's templates render, whatever the case."""

from __future__ import annotations

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates

from hive.widgets import QuickCheckboxSelectMultiple, QuickRadioSelect, QuickSelect

CHOICES = [
    ("", "Any"),
    ("a", "Plain"),
    ("b&c", 'Quotes " and <tags> & ampersands'),
    (3, "A number"),
    ("é", "Ünïcödé"),
]
ATTRS = [
    None,
    {"id": "id_things"},
    {"id": "id_things", "class": "wide", "aria-describedby": "id_things_helptext"},
    {"id": "id_things", "aria-invalid": "true", "disabled": True, "data-x": False},
]


def _pairs(quick_class, django_class, values, **widget_kwargs):
    for attrs in ATTRS:
        for value in values:
            quick = quick_class(choices=CHOICES, **widget_kwargs)
            plain = django_class(choices=CHOICES, **widget_kwargs)
            yield (
                quick.render("things", value, attrs=attrs),
                plain.render("things", value, attrs=attrs),
            )


@pytest.mark.parametrize("multiple", [False, True])
def test_quick_select_is_djangos_select(multiple):
    django_class = forms.SelectMultiple if multiple else forms.Select
    quick_class = type("QuickMultiple", (QuickSelect,), {"allow_multiple_selected": True})
    values = [None, "", "a", "b&c", 3, "3", "missing", ["a", "é"], ["b&c", 3]]
    for quick, plain in _pairs(quick_class if multiple else QuickSelect, django_class, values):
        assert quick == plain


GROUPED = [
    ("", "None"),
    ("Fruit & <veg>", [("apple", "Apple"), ("b&c", 'Quotes " and <tags>')]),
    ("Numbers", [(1, "One"), (3, "Three"), ("é", "Ünïcödé")]),
    ("z", "Last, ungrouped"),
]


@pytest.mark.parametrize("multiple", [False, True])
def test_quick_select_with_option_groups_is_djangos(multiple):
    django_class = forms.SelectMultiple if multiple else forms.Select
    quick_class = type("QuickMultiple", (QuickSelect,), {"allow_multiple_selected": True})
    values = [None, "", "apple", "b&c", 3, "3", "z", "missing", ["apple", "é"], ["z", 1]]
    for attrs in ATTRS:
        for value in values:
            quick = (quick_class if multiple else QuickSelect)(choices=GROUPED)
            plain = django_class(choices=GROUPED)
            expected = plain.render("things", value, attrs=attrs)
            assert quick.render("things", value, attrs=attrs) == expected


def test_quick_checkboxes_are_djangos_checkboxes():
    values = [None, [], ["a"], ["b&c", "3"], [3, "é", "missing"], ["", "a", "b&c", 3, "é"]]
    for quick, plain in _pairs(QuickCheckboxSelectMultiple, forms.CheckboxSelectMultiple, values):
        assert quick == plain


def test_quick_radios_are_djangos_radios():
    values = [None, "", "a", "b&c", 3, "3", "missing"]
    for quick, plain in _pairs(QuickRadioSelect, forms.RadioSelect, values):
        assert quick == plain


@pytest.mark.parametrize(
    "quick_widget, plain_widget, data",
    [
        (QuickRadioSelect, forms.RadioSelect, {"things": "b&c"}),
        (QuickRadioSelect, forms.RadioSelect, {}),
        (QuickCheckboxSelectMultiple, forms.CheckboxSelectMultiple, {"things": ["a", "3"]}),
        (QuickCheckboxSelectMultiple, forms.CheckboxSelectMultiple, {"things": ["nope"]}),
    ],
)
def test_each_option_alone_is_djangos(quick_widget, plain_widget, data):
    """A template that lays the options out itself ({% for radio in form.x %}) asks
    each for its tag, label and id; all must be Django's."""
    field_class = (
        forms.MultipleChoiceField if "Checkbox" in plain_widget.__name__ else (forms.ChoiceField)
    )

    def form(widget):
        attrs = {"things": field_class(choices=CHOICES[1:], widget=widget, help_text="Help.")}
        return type("Form", (forms.Form,), attrs)(data)

    quick, plain = form(quick_widget), form(plain_widget)
    quick.is_valid(), plain.is_valid()
    for mine, theirs in zip(quick["things"], plain["things"], strict=True):
        assert mine.tag() == theirs.tag()
        assert mine.tag(wrap_label=True) == theirs.tag(wrap_label=True)
        assert str(mine) == str(theirs)
        assert (mine.id_for_label, mine.choice_label) == (theirs.id_for_label, theirs.choice_label)


@pytest.mark.parametrize(
    "widget, field",
    [
        (QuickRadioSelect, forms.ChoiceField),
        (QuickCheckboxSelectMultiple, forms.MultipleChoiceField),
    ],
)
def test_each_option_alone_is_written_without_a_template(widget, field):
    """Why hive.widgets overrides Django's private Widget._render: BoundWidget.tag()
    calls it directly. If Django stops doing so, the output stays right (the test above)
    but the values questionnaire is slow again; this says so."""
    rendered = []

    class Recording(DjangoTemplates):
        def render(self, template_name, context, request=None):
            rendered.append(template_name)
            return super().render(template_name, context, request)

    form = type("Form", (forms.Form,), {"things": field(choices=CHOICES[1:], widget=widget)})
    options = list(form(renderer=Recording())["things"])
    tags = [option.tag() for option in options]
    assert len(tags) == len(CHOICES[1:]) and all(tag.startswith("<input ") for tag in tags)
    assert rendered == []


def test_quick_checkboxes_in_a_bound_form_with_help_and_errors():
    """What the profile form renders: help text (aria-describedby), an error
    (aria-invalid), the field group around it."""

    class Form(forms.Form):
        things = forms.MultipleChoiceField(
            choices=CHOICES[1:], help_text="Pick a few.", widget=QuickCheckboxSelectMultiple
        )

    class PlainForm(forms.Form):
        things = forms.MultipleChoiceField(
            choices=CHOICES[1:], help_text="Pick a few.", widget=forms.CheckboxSelectMultiple
        )

    for data in ({"things": ["a", "3"]}, {"things": ["nope"]}, {}):
        quick, plain = Form(data), PlainForm(data)
        quick.is_valid(), plain.is_valid()
        assert quick["things"].as_field_group() == plain["things"].as_field_group()


def test_option_groups_fall_back_to_django():
    grouped = [("Group", [("a", "A"), ("b", "B")]), ("c", "C")]
    assert QuickSelect(choices=grouped).render("x", "a") == forms.Select(choices=grouped).render(
        "x", "a"
    )
    assert QuickCheckboxSelectMultiple(choices=grouped).render(
        "x", ["b"]
    ) == forms.CheckboxSelectMultiple(choices=grouped).render("x", ["b"])
