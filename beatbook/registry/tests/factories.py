"""factory_boy factories for the registry. ID numbers are fake but valid."""

from __future__ import annotations

import datetime as dt

import factory

from beatbook.registry import models
from beatbook.registry.idnumbers import check_character


def fake_id_number(n: int, region: str = "110105", sex: str | None = None) -> str:
    """A valid 18-digit number: birth date and sequence derived from n."""
    birth = dt.date(1950, 1, 1) + dt.timedelta(days=(n * 37) % 20000)
    seq = n % 1000
    if sex == "M" and seq % 2 == 0:
        seq = (seq + 1) % 1000
    if sex == "F" and seq % 2 == 1:
        seq = (seq + 1) % 1000
    # vary the county code too so that n beyond 1000 stays unique
    region = region[:4] + f"{(int(region[4:]) + n // 1000) % 100:02d}"
    first17 = f"{region}{birth:%Y%m%d}{seq:03d}"
    return first17 + check_character(first17)


class StationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Station
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"测试派出所{n}")


class BeatFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Beat

    station = factory.SubFactory(StationFactory)
    name = factory.Sequence(lambda n: f"第{n}警务区")


class CommunityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Community

    beat = factory.SubFactory(BeatFactory)
    name = factory.Sequence(lambda n: f"测试社区{n}")


class CompoundFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Compound

    community = factory.SubFactory(CommunityFactory)
    name = factory.Sequence(lambda n: f"测试小区{n}")


class BuildingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Building

    compound = factory.SubFactory(CompoundFactory)
    number = factory.Sequence(lambda n: str(n + 1))


class EntranceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Entrance

    building = factory.SubFactory(BuildingFactory)
    number = factory.Sequence(lambda n: str(n + 1))


class FlatFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Flat

    building = factory.SubFactory(BuildingFactory)
    entrance = None
    room = factory.Sequence(lambda n: f"{n // 2 % 30 + 1}{n % 2 + 1:02d}")
    floor = factory.LazyAttribute(lambda o: int(o.room[:-2]) if o.room[:-2].isdigit() else None)
    status = models.FlatStatus.OCCUPIED

    @factory.lazy_attribute
    def address(self) -> str:
        from beatbook.registry.addresses import flat_address

        return flat_address(
            self.building.compound.name,
            self.building.number,
            self.entrance.number if self.entrance else None,
            self.room,
        )


class ResidentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Resident

    flat = factory.SubFactory(FlatFactory)
    name = factory.Sequence(lambda n: f"测试居民{n}")
    id_number = factory.Sequence(lambda n: fake_id_number(n + 500))
    sex = "M"
    birth_date = factory.LazyAttribute(
        lambda o: dt.date(int(o.id_number[6:10]), int(o.id_number[10:12]), int(o.id_number[12:14]))
    )
    phones = factory.Sequence(lambda n: [f"+86139{n:08d}"])


class PremisesFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Premises

    community = factory.SubFactory(CommunityFactory)
    name = factory.Sequence(lambda n: f"测试商店{n}")
    kind = models.PremisesKind.SHOP
