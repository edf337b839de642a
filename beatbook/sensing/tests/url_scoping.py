"""How the sensing app's URLs are scoped, merged into
beatbook/tests_scoping/test_url_scoping.py (read its docstring).

World objects added here:
- device_a: a door sensor in flat_a watching resident_a (beat A)
- device_b: a camera on building_b (beat B; not the head's building)
- device_b2: a smoke detector on building_b2 (the head's building)
- device_bc: a camera on compound_b as a whole (beat B; building heads see
  no compound-level device)
- gateway_a / gateway_b: the gateways of compound_a / compound_b (a gateway
  serves a whole compound: building heads see none)
"""

from __future__ import annotations

from typing import Any

from beatbook.tests_scoping.test_url_scoping import Check

STRUCTURE = frozenset({"officer_a", "officer_b", "chief"})
DEVICES = ("device_a", "device_b", "device_b2", "device_bc")
GATEWAYS = ("gateway_a", "gateway_b")

CHECKS: dict[str, Any] = {
    "sensing:device-list": Check("list", DEVICES),
    "sensing:device-detail": Check("detail", DEVICES),
    "sensing:gateway-list": Check("list", GATEWAYS),
    "sensing:gateway-detail": Check("detail", GATEWAYS),
    "sensing:gateway-map": Check("post", GATEWAYS, writers=STRUCTURE),
    "api:device-detail": Check("api-detail", DEVICES),
    "api:gateway-list": Check("api-list", GATEWAYS),
    "api:gateway-detail": Check("api-detail", GATEWAYS),
}
UNSCOPED: dict[str, str] = {
    "sensing:device-create": "form; the place, person and gateway are found among visible ones "
    "(scoping of each tested in test_views)",
    "sensing:gateway-create": "form; the compound is chosen among visible ones (tested in "
    "test_views)",
    "sensing:ingest-events": "machines post events with a device or gateway token; no session, "
    "reads nothing back (401 without a token: tested in test_ingest_views)",
    "sensing:ingest-isapi": "cameras push ISAPI alerts with a device or gateway token in the URL; "
    "reads nothing back (tested in test_ingest_views)",
}
ROLE_PAGES: dict[str, str] = {}
# other apps add devices to the world too (alerts): the list is checked over
# this app's devices only (?q=sens-) by its own test, for every role
TESTED_IN: dict[str, str] = {
    "api:device-list": "beatbook/sensing/tests/test_api.py::test_device_list_scoping",
}
SEES: dict[str, set[str]] = {
    "device_a": {"officer_a", "worker_a", "chief"},
    "device_b": {"officer_b", "chief"},
    "device_b2": {"officer_b", "head", "chief"},
    "device_bc": {"officer_b", "chief"},
    "gateway_a": {"officer_a", "worker_a", "chief"},
    "gateway_b": {"officer_b", "chief"},
}
DETAIL_PAGE: dict[str, str] = {
    "device": "sensing:device-detail",
    "gateway": "sensing:gateway-detail",
}


def extend_world(world: Any) -> None:
    """Add this app's objects to the scoping world (called once per test)."""
    from beatbook.sensing.tests.factories import make_device, make_gateway

    world.gateway_a, _ = make_gateway(compound=world.compound_a, name="网关A")
    world.gateway_b, _ = make_gateway(compound=world.compound_b, name="网关B")
    world.device_a, _ = make_device(
        place=world.flat_a, key="sens-door-a", person=world.resident_a, absence_window="24h"
    )
    world.device_b, _ = make_device(
        place=world.building_b, key="sens-cam-b", kind="camera", gateway=world.gateway_b, channel=1
    )
    world.device_b2, _ = make_device(
        place=world.building_b2, key="sens-smoke-b2", kind="smoke_detector"
    )
    world.device_bc, _ = make_device(place=world.compound_b, key="sens-cam-bc", kind="camera")
