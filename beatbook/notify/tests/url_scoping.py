"""How the notify app's URLs are scoped, merged into
beatbook/tests_scoping/test_url_scoping.py (read its docstring).

- CHECKS: url name -> Check(...) over objects of the `world` fixture (extend
  the world in ``extend_world`` and say who sees each new object in SEES)
- UNSCOPED: url name -> why it holds no residents' data
- ROLE_PAGES: url name -> the one role allowed (everybody else 403/404)
- TESTED_IN: url name -> the test (path::name) in this app that checks its
  scoping for every role, when the generic checks above can't express it
"""

from __future__ import annotations

from typing import Any

CHECKS: dict[str, Any] = {}
UNSCOPED: dict[str, str] = {
    "notify:service-worker": "the service worker script, the same for everyone",
}
ROLE_PAGES: dict[str, str] = {
    "notify:channel-create": "sysadmin",
    "notify:channel-edit": "sysadmin",
    "notify:channel-resume": "sysadmin",
    "notify:channel-test": "sysadmin",
    "notify:channel-delete": "sysadmin",
    "notify:policy-edit": "sysadmin",
    "notify:dead-letters": "sysadmin",
    "notify:dead-letters-retry": "sysadmin",
}
_VIEWS = "beatbook/notify/tests/test_views.py::"
TESTED_IN: dict[str, str] = {
    "notify:live-stream": (
        "beatbook/notify/tests/test_live.py::test_stream_every_role_gets_only_its_own"
    ),
    "notify:inbox": _VIEWS + "test_inbox_every_role_sees_only_its_own",
    "notify:mark-read": _VIEWS + "test_mark_read",
    "notify:push-subscribe": _VIEWS + "test_every_role_only_its_own_push_subscriptions",
    "notify:push-delete": _VIEWS + "test_push_subscribe_and_remove",
    "api:notification-list": "beatbook/notify/tests/test_api.py::test_every_role_lists_only_its_own",
    "api:notification-read": "beatbook/notify/tests/test_api.py::test_mark_read_only_own",
    "notify:channel-list": _VIEWS + "test_channel_list_admin_all_chief_own_station_others_refused",
}
SEES: dict[str, set[str]] = {}
DETAIL_PAGE: dict[str, str] = {}


def extend_world(world: Any) -> None:
    """Add this app's objects to the scoping world (called once per test)."""
