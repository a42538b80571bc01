"""Template helpers for the account pages: a device's readable name."""

from __future__ import annotations

from django import template

from members.devices import device_name as _device_name

register = template.Library()


@register.filter
def device_name(user_agent: str) -> str:
    """ "Safari on iPhone" for a User-Agent string (members/devices.py)."""
    return _device_name(user_agent or "")
