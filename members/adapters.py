"""How allauth fits Hive: where people land after logging in, and what it may not touch."""

from allauth.account.adapter import DefaultAccountAdapter
from django.shortcuts import resolve_url


class AccountAdapter(DefaultAccountAdapter):
    def get_login_redirect_url(self, request) -> str:
        """Members go home; everyone else goes to the page that says where they stand."""
        user = request.user
        if user.is_authenticated and not (user.is_member or user.is_staff):
            return resolve_url("members:status")
        return super().get_login_redirect_url(request)
