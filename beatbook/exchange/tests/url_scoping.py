"""How the exchange app's URLs are scoped, merged into
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

_EVERY_ROLE = "beatbook/exchange/tests/test_views.py::test_every_role_on_every_page"

CHECKS: dict[str, Any] = {}
UNSCOPED: dict[str, str] = {}
ROLE_PAGES: dict[str, str] = {}
TESTED_IN: dict[str, str] = {
    # importers (officers, building heads) only; an upload is its uploader's alone
    "exchange:import": _EVERY_ROLE,
    "exchange:import-preview": _EVERY_ROLE,
    "exchange:import-errors": _EVERY_ROLE,
    # roles that see residents; the scopes offered and accepted are the user's own
    # (test_views::test_export_page, test_export::test_scopes)
    "exchange:export": _EVERY_ROLE,
}
SEES: dict[str, set[str]] = {}
DETAIL_PAGE: dict[str, str] = {}


def extend_world(world: Any) -> None:
    """Add this app's objects to the scoping world (called once per test)."""
