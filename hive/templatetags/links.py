"""`{% slug_url %}`: `{% url %}` for routes whose arguments are slugs, without the cost
of `reverse()` on every link of a long list (hive.http.slug_reverse)."""

from django import template

from hive.http import slug_reverse

register = template.Library()


@register.simple_tag
def slug_url(viewname: str, *args) -> str:
    """`{% slug_url 'members:profile' profile.handle %}` writes what `{% url %}` would
    (and takes `as name` as it does)."""
    return slug_reverse(viewname, *args)
