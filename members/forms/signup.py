"""allauth's sign-up form, made to cost the same whether the address is new or taken
(ACCOUNT_FORMS["signup"]).

With ACCOUNT_PREVENT_ENUMERATION the page says the same thing for both, but allauth
hashes the password only when it creates an account: a taken address answered in a
twentieth of the time, so timing told who is a member. On that path we hash the
password too (and throw the hash away), so both paths do the same expensive work.

Its own module: allauth's forms import ACCOUNT_SIGNUP_FORM_CLASS from
members/forms/accounts.py, so this subclass cannot live there.
"""

from __future__ import annotations

from allauth.account.forms import SignupForm as AllauthSignupForm
from django.contrib.auth.hashers import make_password


class SignupForm(AllauthSignupForm):
    def try_save(self, request):
        if self.account_already_exists:
            # The work `adapter.save_user()` → `set_password()` does for a new address.
            make_password(self.cleaned_data.get("password1") or "")
        return super().try_save(request)
