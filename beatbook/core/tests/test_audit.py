"""The audit chain: written by services, verified by ``beatbook audit verify``.

Tampering is done by hand, the way someone with database access would: raw SQL
on SQLite; on PostgreSQL the append-only trigger is switched off inside the
test's transaction first (and the trigger itself is tested on its own).
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from beatbook.accounts import services as account_services
from beatbook.core import audit
from beatbook.core.models import AuditEntry
from beatbook.registry import services as registry_services
from beatbook.registry.tests.factories import fake_id_number

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the trigger exists on PostgreSQL only"
)


@pytest.fixture
def chain(world: Any) -> list[AuditEntry]:
    """Several entries written by real services, oldest first."""
    admin = world.sysadmin
    station = account_services.station_create(actor=admin, name="审计测试派出所")
    beat = account_services.beat_create(actor=admin, station=station, name="审计警务区")
    account_services.community_create(actor=admin, beat=beat, name="审计社区")
    account_services.user_set_password(
        actor=admin, user=world.officer_b, password="another-long-password"
    )
    registry_services.resident_register(
        actor=world.officer_a, flat=world.flat_a, name="赵六", id_number=fake_id_number(9001)
    )
    account_services.token_for(actor=world.officer_a, user=world.officer_a)
    entries = list(AuditEntry.objects.order_by("id"))
    assert len(entries) == 6
    return entries


@contextmanager
def tampering() -> Iterator[Any]:
    """A cursor that may change the audit table (trigger off on PostgreSQL)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            _alter_trigger(cursor, "DISABLE")
        try:
            yield cursor
        finally:
            if connection.vendor == "postgresql":
                _alter_trigger(cursor, "ENABLE")


def _alter_trigger(cursor: Any, verb: str) -> None:
    # Run the deferred foreign-key checks queued so far: ALTER TABLE refuses to
    # run while the transaction has pending trigger events. (The test's
    # transaction is rolled back afterwards, trigger state included.)
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    cursor.execute(f"ALTER TABLE core_auditentry {verb} TRIGGER core_auditentry_append_only")


def verify_command() -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("audit", "verify", stdout=out)
    except SystemExit as exc:
        return int(exc.code or 0), out.getvalue()
    return 0, out.getvalue()


def test_chain_written_by_services_verifies(chain: list[AuditEntry]) -> None:
    result = audit.verify()
    assert result.ok
    assert result.checked == len(chain)
    assert [e.action for e in chain] == [
        "station.create", "beat.create", "community.create", "user.set_password", "resident.create",
        "token.create",
    ]  # fmt: skip
    for prev, entry in zip(chain, chain[1:], strict=False):
        assert entry.prev_hash == prev.hash
    assert chain[0].prev_hash == audit.GENESIS


def test_altered_entry_is_reported_at_that_entry(chain: list[AuditEntry]) -> None:
    target = chain[2]
    with tampering() as cursor:
        cursor.execute(
            "UPDATE core_auditentry SET object_repr = %s WHERE id = %s", ["改过的", target.pk]
        )
    result = audit.verify()
    assert not result.ok
    assert result.broken_id == target.pk
    assert result.checked == 2
    assert "altered" in result.reason


def test_altered_json_field_is_reported(chain: list[AuditEntry]) -> None:
    target = chain[4]  # resident.create, with the resident's data in `after`
    with tampering() as cursor:
        cursor.execute(
            "UPDATE core_auditentry SET after = %s WHERE id = %s",
            ['{"name": "someone else"}', target.pk],
        )
    result = audit.verify()
    assert (result.ok, result.broken_id) == (False, target.pk)


def test_deleted_middle_entry_is_reported_at_the_next_one(chain: list[AuditEntry]) -> None:
    with tampering() as cursor:
        cursor.execute("DELETE FROM core_auditentry WHERE id = %s", [chain[3].pk])
    result = audit.verify()
    assert not result.ok
    assert result.broken_id == chain[4].pk
    assert "removed" in result.reason


def test_deleted_newest_entry_is_reported(chain: list[AuditEntry]) -> None:
    with tampering() as cursor:
        cursor.execute("DELETE FROM core_auditentry WHERE id = %s", [chain[-1].pk])
    result = audit.verify()
    assert not result.ok
    assert result.broken_id is None
    assert result.checked == len(chain) - 1


def test_emptied_log_is_reported(chain: list[AuditEntry]) -> None:
    with tampering() as cursor:
        cursor.execute("DELETE FROM core_auditentry")
    assert not audit.verify().ok


def test_forged_entry_is_reported(chain: list[AuditEntry]) -> None:
    """A row inserted by hand (allowed by the trigger) with a made-up hash."""
    last = chain[-1]
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO core_auditentry (at, actor_username, action, object_type, object_id, object_repr, "
            "extra, request_id, prev_hash, hash) VALUES (%s, 'system', 'user.create', '', '', '', '{}', '', %s, %s)",
            [last.at, last.hash, "f" * 64],
        )
    result = audit.verify()
    assert not result.ok
    assert result.broken_id == AuditEntry.objects.order_by("-id").first().pk  # type: ignore[union-attr]


@postgres_only
@pytest.mark.parametrize(
    "statement", ["UPDATE core_auditentry SET action = 'x'", "DELETE FROM core_auditentry"]
)
def test_postgres_trigger_refuses_update_and_delete(
    chain: list[AuditEntry], statement: str
) -> None:
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement)
    assert audit.verify().ok
    assert AuditEntry.objects.count() == len(chain)


def test_verify_command_ok(chain: list[AuditEntry]) -> None:
    code, out = verify_command()
    assert code == 0
    assert out.strip() == f"OK: {len(chain)} entries, chain intact"


def test_verify_command_ok_on_empty_log(db: Any) -> None:
    code, out = verify_command()
    assert (code, out.strip()) == (0, "OK: 0 entries, chain intact")


def test_verify_command_broken(chain: list[AuditEntry]) -> None:
    with tampering() as cursor:
        cursor.execute(
            "UPDATE core_auditentry SET actor_username = 'nobody' WHERE id = %s", [chain[1].pk]
        )
    code, out = verify_command()
    assert code == 1
    assert out.startswith(f"BROKEN at entry #{chain[1].pk}: ")


def test_verify_command_broken_at_the_end(chain: list[AuditEntry]) -> None:
    with tampering() as cursor:
        cursor.execute("DELETE FROM core_auditentry WHERE id = %s", [chain[-1].pk])
    code, out = verify_command()
    assert code == 1
    assert out.startswith("BROKEN")


def test_tail_command(chain: list[AuditEntry]) -> None:
    out = io.StringIO()
    call_command("audit", "tail", "-n", "2", stdout=out)
    lines = out.getvalue().splitlines()
    assert [line.split("\t")[0] for line in lines] == [f"#{chain[-2].pk}", f"#{chain[-1].pk}"]
    assert lines[-1].split("\t")[3] == "token.create"
