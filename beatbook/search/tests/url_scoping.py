"""How the search app's URLs are scoped, merged into
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

from beatbook.tests_scoping.test_url_scoping import Check

RESIDENTS = ("resident_a", "resident_b", "resident_b2")

# a resident of each beat searched by name and by full ID number
CHECKS: dict[str, Any] = {
    "search:results?q": Check("list", RESIDENTS, query="q"),
    "api:search-list?q": Check("api-list", RESIDENTS, query="q"),
}
UNSCOPED: dict[str, str] = {}
ROLE_PAGES: dict[str, str] = {}
# every query kind (names, pinyin, initials, ID and phone tails, addresses,
# premises) for every role, on residents, flats and premises
TESTED_IN: dict[str, str] = {
    "search:results": "beatbook/search/tests/test_scoping.py::test_every_query_kind_stays_in_scope",
    "api:search-list": "beatbook/search/tests/test_scoping.py::test_every_query_kind_stays_in_scope",
}
SEES: dict[str, set[str]] = {}
DETAIL_PAGE: dict[str, str] = {}


def extend_world(world: Any) -> None:
    """Add this app's objects to the scoping world (called once per test)."""
