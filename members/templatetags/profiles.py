"""Template helpers for profiles: the photo (or initials in its place), the bio as safe
Markdown, the photo upload form on /me/profile/, and the viewer's private
dual-relationship mark on someone's profile."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString

from members import photos
from members.forms.profiles import PhotoForm
from members.markdown import render_bio as _render_bio
from members.models import DualRelationship

register = template.Library()


@register.simple_tag
def profile_photo(profile, size: int = photos.SMALL, css_class: str = "", alt: str = "") -> str:
    """The profile's photo at `size`, or its initials (members.photos.photo_html)."""
    return photos.photo_html(profile, size, css_class, alt)


@register.filter
def render_bio(text) -> SafeString:
    """A bio as sanitised HTML from its Markdown subset (members/markdown.py)."""
    return _render_bio(text)


@register.simple_tag
def photo_upload_form(form=None):
    """The photo form as posted (with its errors) when there is one, else a blank one:
    the profile page is rendered by two views, only one of which handles uploads."""
    return form if isinstance(form, PhotoForm) else PhotoForm()


@register.inclusion_tag("members/relationship_form.html", takes_context=True)
def relationship_form(context, profile) -> dict:
    """The form to mark or unmark a relationship with `profile`'s member, showing the
    viewer's current mark. Only the viewer's own declaration is read: one the other
    member made about them must stay invisible to them. One query."""
    viewer = context["request"].user
    current = (
        DualRelationship.objects.filter(member=viewer, other_id=profile.user_id)
        .values_list("kind", flat=True)
        .first()
    )
    return {
        "profile": profile,
        "current": current,
        "current_label": DualRelationship.Kind(current).label if current else "",
        "kinds": DualRelationship.Kind.choices,
        "csrf_token": context.get("csrf_token"),
    }
