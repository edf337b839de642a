"""``{% load notify_tags %}{% push_button %}``: the "push to this device"
button on any page (e.g. the officer's alert feed)."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.inclusion_tag("notify/_push_button.html")
def push_button() -> dict[str, Any]:
    from beatbook.notify.push import vapid_keys

    return {"vapid_public_key": vapid_keys()[1]}
