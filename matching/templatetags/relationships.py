"""`{% relationship_form profile %}`: the viewer's private relationship mark, on a
member's profile page.

A tag rather than a context variable so the members app's profile view need not know
about matching (matching depends on members, never the other way round). One query.
"""

from django import template

from matching.models import DualRelationship

register = template.Library()


@register.inclusion_tag("matching/relationship_form.html", takes_context=True)
def relationship_form(context, profile) -> dict:
    """The form to mark or unmark a relationship with `profile`'s member, showing the
    viewer's current mark. Only the viewer's own declaration is read: one the other
    member made about them must stay invisible to them."""
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
