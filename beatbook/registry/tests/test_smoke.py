from beatbook.core.scoping import scope_of
from beatbook.registry.models import Resident


def test_world_scopes(world):
    assert set(Resident.objects.visible_to(world.officer_a)) == {world.resident_a}
    assert set(Resident.objects.visible_to(world.officer_b)) == {
        world.resident_b,
        world.resident_b2,
    }
    assert set(Resident.objects.visible_to(world.head)) == {world.resident_b2}
    assert set(Resident.objects.visible_to(world.chief)) == {
        world.resident_a,
        world.resident_b,
        world.resident_b2,
    }
    assert not Resident.objects.visible_to(world.sysadmin).exists()
    assert not Resident.objects.visible_to(world.auditor).exists()
    assert set(Resident.objects.visible_to(world.worker_a)) == {world.resident_a}
    assert scope_of(world.worker_a).sees_full_id_numbers is False
