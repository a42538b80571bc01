"""Form widgets that render Django's own HTML in Python, byte for byte.

Django renders every <option> and every checkbox through a chain of small templates
(input, attrs, the option, the label): on a page with hundreds of them (the time-zone
list, the profile's practice checkboxes, the directory filters) that was most of the
page's time. These classes write the same bytes directly; tests/hive/test_widgets.py
compares them with Django's for every case we use, so an upgrade that changes Django's
markup fails there rather than drifting silently. Option groups of radios and checkboxes
fall back to Django; a <select>'s are written here too (the time-zone picker has 420
options in ten groups).
"""

from __future__ import annotations

import html

from django import forms
from django.utils.choices import BaseChoiceIterator
from django.utils.safestring import SafeString


def _escape(value) -> str:
    """conditional_escape without its lazy-string wrapper, which cost as much as the
    escaping itself over hundreds of options."""
    return value.__html__() if hasattr(value, "__html__") else html.escape(str(value))


def _quoted(value) -> str:
    return f'"{_escape(value)}"'


def _attrs(attributes: dict) -> str:
    """Attributes as django/forms/widgets/attrs.html writes them (True: the bare name)."""
    return "".join(
        f" {_escape(name)}" if value is True else f" {_escape(name)}={_quoted(value)}"
        for name, value in attributes.items()
        if value is not False
    )


def _grouped(choices) -> bool:
    return any(isinstance(label, (list, tuple)) for _, label in choices)


class QuickSelect(forms.Select):
    """Django's <select> (and <select multiple>), option groups included."""

    def render(self, name, value, attrs=None, renderer=None):
        chosen = self.format_value(value)
        attributes = self.build_attrs(self.attrs, attrs)
        if self.allow_multiple_selected:
            attributes["multiple"] = True
        out = [f"<select name={_quoted(name)}{_attrs(attributes)}>"]
        has_selected = False

        def option(option_value, label) -> None:
            nonlocal has_selected
            option_value = "" if option_value is None else option_value
            selected = (not has_selected or self.allow_multiple_selected) and str(
                option_value
            ) in chosen
            has_selected |= selected
            # The templates' line breaks are kept too (the renderer strips the last).
            out.append(
                f"\n  <option value={_quoted(option_value)}{' selected' if selected else ''}>"
                f"{_escape(label)}</option>\n"
            )

        for option_value, label in self.choices:
            if isinstance(label, (list, tuple)):  # a group: (its name, its choices)
                out.append(f"\n  <optgroup label={_quoted(option_value)}>")
                for grouped_value, grouped_label in label:
                    option(grouped_value, grouped_label)
                out.append("\n  </optgroup>")
            else:
                option(option_value, label)
        out.append("\n</select>")
        # Every name, value and label above went through _escape.
        return SafeString("".join(out))


class _QuickOptions:
    """Radios or checkboxes: the whole list (`{{ field }}`), and each option alone
    (`{{ radio.tag }}` in a template that lays the options out itself)."""

    def render(self, name, value, attrs=None, renderer=None):
        if _grouped(self.choices):
            return super().render(name, value, attrs, renderer)
        chosen = set(self.format_value(value))
        attributes = self.build_attrs(self.attrs, attrs)
        list_id = attributes.get("id")
        css = attributes.get("class")
        out = [
            f"<div{f' id={_quoted(list_id)}' if list_id else ''}"
            f"{f' class={_quoted(css)}' if css else ''}>"
        ]
        has_selected = False
        for index, (option_value, label) in enumerate(self.choices):
            option_value = "" if option_value is None else option_value
            option = dict(attributes)  # each input inherits the widget's attributes
            selected = (not has_selected or self.allow_multiple_selected) and str(
                option_value
            ) in chosen
            has_selected |= selected
            if selected:
                option.update(self.checked_attribute)
            label_for = ""
            if "id" in option:
                option["id"] = self.id_for_label(option["id"], index)
                label_for = f" for={_quoted(option['id'])}"
            out.append(
                f"<div>\n    <label{label_for}>{self._input(name, option_value, option)}\n"
                f" {_escape(label)}</label>\n\n</div>"
            )
        out.append("\n</div>")
        # Every name, value and label above went through _escape.
        return SafeString("".join(out))

    def _input(self, name, value, attributes) -> str:
        """One <input>, as django/forms/widgets/input.html writes it."""
        shown = "" if value is None else f" value={_quoted(value)}"
        kind = _quoted(self.input_type)
        return f"<input type={kind} name={_quoted(name)}{shown}{_attrs(attributes)}>"

    def _render(self, template_name, context, renderer=None):
        # BoundWidget.tag(): one option without its label (`wrap_label` false), whose
        # template writes nothing but the <input>.
        #
        # This is the one override of private Django API here, on purpose. A template
        # that lays the options out itself asks each for `{{ radio.tag }}`, and Django's
        # BoundWidget.tag() calls `parent_widget._render(option_template_name, ...)`
        # directly: no public method of the widget is on that path (not render(), not
        # get_context()), and the renderer is the form's, not the widget's to choose.
        # The public ways cost more than they save: one flattened option template
        # still took ~165 us a tag on this machine against ~6 us here (Django's own
        # chain ~255 us; the values questionnaire has ~200 tags), and Django 5.2's
        # bound_field_class would need every field using these widgets to opt in, plus
        # a copy of BoundField.subwidgets to hand out a BoundWidget of our own.
        # tests/hive/test_widgets.py checks that the bytes are Django's and that tag()
        # still comes through here, so a Django release that changes this path fails a
        # test instead of quietly making the page slow again.
        option = context.get("widget", {})
        if template_name == self.option_template_name and not option.get("wrap_label"):
            return SafeString(self._input(option["name"], option["value"], option["attrs"]))
        return super()._render(template_name, context, renderer)


class QuickRadioSelect(_QuickOptions, forms.RadioSelect):
    """Django's radio buttons."""


class QuickCheckboxSelectMultiple(_QuickOptions, forms.CheckboxSelectMultiple):
    """Django's list of checkboxes, each in its <div> with its <label>."""


class FixedChoices(BaseChoiceIterator):
    """Choices already in Django's normal form ((value, label) pairs, no groups) that
    never change: a form field or widget given these neither normalizes nor copies them
    again. Django does both for every field of every form it builds (a deep copy of
    each field, then `normalize_choices` on each assignment): for the directory's
    filters, ~400 choices from the taxonomy, that was most of the form's time."""

    def __init__(self, pairs) -> None:
        self.pairs = tuple((value, label) for value, label in pairs)
        self.values = frozenset(value for value, _ in self.pairs)

    def __iter__(self):
        return iter(self.pairs)

    def __len__(self) -> int:
        return len(self.pairs)

    def __copy__(self):
        return self

    def __deepcopy__(self, memo):
        return self
