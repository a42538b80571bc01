"""Messaging's forms: the composer, a message request, a report, and the moderators'
decision on one."""

from __future__ import annotations

from django import forms

from messaging.models import MAX_BODY, MessageRequest, Report


class MessageForm(forms.Form):
    body = forms.CharField(
        label="Message",
        max_length=MAX_BODY,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Plain text. No identifying client information: no names, dates of "
        "birth, phone numbers, addresses or record numbers.",
    )
    # Set by the "Send anyway" button after the client-identifier warning.
    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)


class RequestForm(forms.Form):
    purpose = forms.ChoiceField(
        label="What is it about?", choices=MessageRequest.Purpose.choices, widget=forms.RadioSelect
    )
    body = forms.CharField(
        label="Your first message",
        max_length=MAX_BODY,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Say who you are and why you are writing. They can accept or decline; "
        "you can send nothing more until they accept. No identifying client information.",
    )
    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)


class ReportForm(forms.Form):
    reason = forms.ChoiceField(
        label="Why are you reporting this?", choices=Report.Reason.choices, widget=forms.RadioSelect
    )
    note = forms.CharField(
        label="Anything the moderators should know",
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ModerationForm(forms.Form):
    ACTIONS = [
        ("dismiss", "Dismiss: nothing to act on"),
        ("warn", "Warn the member (they read your note)"),
        ("remove", "Remove the message"),
        ("suspend", "Suspend the member"),
    ]
    action = forms.ChoiceField(choices=ACTIONS, widget=forms.RadioSelect)
    note = forms.CharField(
        label="Why (and, for a warning, what the member reads)",
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
