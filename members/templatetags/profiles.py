"""Template helpers for profiles: the photo (or initials in its place), the bio as safe
Markdown, the photo upload form on /me/profile/, and the viewer's private
dual-relationship mark on someone's profile."""

from __future__ import annotations

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString

from members import photos
from members.forms.profiles import PhotoForm
from members.markdown import render_bio as _render_bio
from members.models import DualRelationship

register = template.Library()


def initials(name: str) -> str:
    """Up to two capital letters for a name: "Dana M. Owner" → "DO"."""
    words = [word for word in name.split() if word[:1].isalnum()]
    if not words:
        return "?"
    letters = words[0][0] + (words[-1][0] if len(words) > 1 else "")
    return letters.upper()


@register.simple_tag
def profile_photo(profile, size: int = photos.SMALL, css_class: str = "", alt: str = "") -> str:
    """The profile's photo at `size` (400 or 96 pixels; CSS sets the size shown), or its
    initials in a circle when there is none.

    The photo belongs to no privacy group: whoever may see the person sees it, so this
    takes the profile itself. The alt text is empty by default because the name is
    always printed beside it; a placeholder is hidden from screen readers for the same
    reason. Runs no query.
    """
    classes = f"avatar avatar-{size} {css_class}".strip()
    if not profile.photo_token:
        return format_html(
            '<span class="{} avatar-initials" aria-hidden="true">{}</span>',
            classes,
            initials(profile.display_name or profile.handle),
        )
    url = reverse("members:photo", args=[profile.handle, profile.photo_token, size])
    return format_html(
        '<img src="{}" class="{}" width="{}" height="{}" alt="{}" decoding="async"{}>',
        url,
        classes,
        size,
        size,
        alt,
        # Thumbnails come in lists (below the fold); a large photo heads its page.
        SafeString(' loading="lazy"') if size == photos.SMALL else "",
    )


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
