"""allauth's own forms in our words (ACCOUNT_FORMS, MFA_FORMS): "Keep me logged in", not
"Remember Me"; sentence-case labels; no placeholder repeating the visible label (it
reads twice to a screen reader and looks like a filled-in value).

Its own module: allauth's forms import ACCOUNT_SIGNUP_FORM_CLASS from
members/forms/accounts.py, so these subclasses of allauth's forms cannot live there.
"""

from __future__ import annotations

from allauth.account import forms as account_forms
from allauth.mfa.base import forms as mfa_forms
from allauth.mfa.totp import forms as totp_forms
from django.contrib.auth.hashers import make_password


class OurWords:
    """Relabel fields by name (`labels`), and drop allauth's placeholders."""

    labels: dict[str, str] = {}
    help_texts: dict[str, str] = {}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            if name in self.labels:
                field.label = self.labels[name]
            if name in self.help_texts:
                field.help_text = self.help_texts[name]
            field.widget.attrs.pop("placeholder", None)


class LoginForm(OurWords, account_forms.LoginForm):
    labels = {"login": "Email", "password": "Password", "remember": "Keep me logged in"}
    # allauth's help text is a "Forgot your password?" link; the page has its own.
    help_texts = {"password": ""}


class SignupForm(OurWords, account_forms.SignupForm):
    """Costs the same whether the address is new or taken.

    With ACCOUNT_PREVENT_ENUMERATION the page says the same thing for both, but allauth
    hashes the password only when it creates an account: a taken address answered in a
    twentieth of the time, so timing told who is a member. On that path we hash the
    password too (and throw the hash away), so both paths do the same expensive work.
    """

    labels = {"email": "Email", "password1": "Password", "password2": "Password, again"}

    def try_save(self, request):
        if self.account_already_exists:
            # The work `adapter.save_user()` → `set_password()` does for a new address.
            make_password(self.cleaned_data.get("password1") or "")
        return super().try_save(request)


class ChangePasswordForm(OurWords, account_forms.ChangePasswordForm):
    labels = {
        "oldpassword": "Current password",
        "password1": "New password",
        "password2": "New password, again",
    }
    help_texts = {"oldpassword": ""}


class SetPasswordForm(OurWords, account_forms.SetPasswordForm):
    labels = {"password1": "Password", "password2": "Password, again"}


class ResetPasswordForm(OurWords, account_forms.ResetPasswordForm):
    labels = {"email": "Email"}


class ResetPasswordKeyForm(OurWords, account_forms.ResetPasswordKeyForm):
    labels = {"password1": "New password", "password2": "New password, again"}


class AddEmailForm(OurWords, account_forms.AddEmailForm):
    labels = {"email": "Another email address"}


class ReauthenticateForm(OurWords, account_forms.ReauthenticateForm):
    labels = {"password": "Password"}
    help_texts = {"password": ""}


class AuthenticateForm(OurWords, mfa_forms.AuthenticateForm):
    labels = {"code": "Code from your authenticator app, or a recovery code"}


class MfaReauthenticateForm(OurWords, mfa_forms.ReauthenticateForm):
    labels = {"code": "Code from your authenticator app"}


class ActivateTOTPForm(OurWords, totp_forms.ActivateTOTPForm):
    labels = {"code": "The six-digit code your app shows"}
