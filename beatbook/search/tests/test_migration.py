"""Registry migration 0003 fills the search keys of rows saved before it."""

from __future__ import annotations

import importlib
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import connection

from beatbook.registry.models import Resident
from beatbook.registry.tests import factories as f

migration = importlib.import_module("beatbook.registry.migrations.0003_resident_search_keys")


@pytest.mark.django_db
def test_fill_search_keys_stores_what_derived_fields_computes() -> None:
    people = [
        f.ResidentFactory(name="張偉", phones=["+8613812345678", "+8613900001111"]),
        f.ResidentFactory(name="欧阳修文", phones=[]),
    ]
    columns = list(migration.KEY_WIDTHS)
    Resident.objects.update(**dict.fromkeys(columns, ""))

    migration.fill_search_keys(apps, SimpleNamespace(connection=connection))

    for person in people:
        stored = Resident.objects.values(*columns).get(pk=person.pk)
        derived = Resident.derived_fields(
            name=person.name, id_number=person.id_number, phones=person.phones
        )
        assert stored == {column: derived[column] for column in columns}
        assert stored["name_simplified"]
