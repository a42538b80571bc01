"""Template context every page needs: the viewer's role, for the navigation."""

from django.http import HttpRequest


def navigation(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    role = user.role if user is not None and user.is_authenticated else "visitor"
    return {"nav_role": role}
