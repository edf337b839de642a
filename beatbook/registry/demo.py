"""Demo data: one station, two beats, two compounds, fictional residents and
one user of every role (``beatbook demo``).

Everything here is invented: names are drawn from common surnames and given
names, ID numbers are made up but carry a valid check character, phones are
made-up 13x/15x/18x mobiles that pass ``phonenumbers`` validation. The data is
deterministic (``random.Random`` with a fixed seed per compound).

Loading is a bulk system operation: the structure and the ~4,300 residents are
written with ``bulk_create`` in one transaction and described by ONE audit
entry (``demo.load``) instead of one per row. Reloading adds nothing that is
already there; only the demo users' passwords are reset (one audited
``user.set_password`` per user).
"""

from __future__ import annotations

import datetime as dt
import importlib
import importlib.util
import random
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction

from beatbook.accounts import services as account_services
from beatbook.accounts.models import Role, User
from beatbook.core import audit
from beatbook.registry import addresses
from beatbook.registry.idnumbers import check_character
from beatbook.registry.models import (
    Beat,
    Building,
    Community,
    Compound,
    DocumentType,
    Entrance,
    Flat,
    FlatStatus,
    PopulationType,
    Premises,
    PremisesKind,
    Relation,
    Residence,
    Resident,
    Sex,
    Station,
)
from beatbook.registry.phones import PhoneError, normalize_phone

STATION = "城关派出所"
#: ages are counted from this day so that the data does not change with the clock
REFERENCE_DAY = dt.date(2025, 1, 1)
LONG_VACANT_NOTE = "长期空置"
ELDERLY_ALONE_NOTE = "独居老人"

# --- what is loaded -------------------------------------------------------------


@dataclass(frozen=True)
class BuildingSpec:
    number: str
    entrances: int
    floors: int
    flats_per_floor: int

    @property
    def flats(self) -> int:
        return self.entrances * self.floors * self.flats_per_floor


@dataclass(frozen=True)
class PremisesSpec:
    name: str
    kind: str
    building: str
    address: str
    contact_name: str


@dataclass(frozen=True)
class CompoundSpec:
    beat: str
    community: str
    name: str
    address: str
    property_manager: str
    buildings: tuple[BuildingSpec, ...]
    #: building number → how many flats in it are long vacant
    vacant: dict[str, int]
    #: "settled" (owners, some tenants) or "rental" (mostly floating tenants)
    profile: str
    #: region codes (GB/T 2260) of the locally registered population
    local_regions: tuple[str, ...]
    premises: tuple[PremisesSpec, ...] = ()


BEAT_A = "富贵警务区"
BEAT_B = "余岗警务区"

COMPOUNDS: tuple[CompoundSpec, ...] = (
    CompoundSpec(
        beat=BEAT_A,
        community="富贵社区",
        name="富贵佳园",
        address="城关大道88号",
        property_manager="富贵物业服务有限公司",
        buildings=(
            BuildingSpec("3", 2, 6, 2),
            BuildingSpec("5", 2, 6, 2),
            BuildingSpec("6", 4, 6, 2),
        ),
        vacant={"3": 1, "5": 1, "6": 3},
        profile="settled",
        local_regions=("150207", "150203", "150204", "150205"),
        premises=(
            PremisesSpec("富贵便民超市", PremisesKind.SHOP, "3", "富贵佳园3号楼底商1号", "周建华"),
            PremisesSpec("佳园快递驿站", PremisesKind.SHOP, "3", "富贵佳园3号楼底商2号", "孙丽"),
            PremisesSpec("老刘理发店", PremisesKind.SHOP, "5", "富贵佳园5号楼底商1号", "刘德明"),
            PremisesSpec("富贵大药房", PremisesKind.SHOP, "5", "富贵佳园5号楼底商2号", "何静"),
            PremisesSpec(
                "佳园小吃店", PremisesKind.RESTAURANT, "6", "富贵佳园6号楼底商1号", "马国庆"
            ),
        ),
    ),
    CompoundSpec(
        beat=BEAT_B,
        community="余岗社区",
        name="新市民公寓",
        address="余岗路16号",
        property_manager="新市民公寓运营中心",
        # 11 buildings, 1,443 flats
        buildings=(
            BuildingSpec("1", 2, 18, 4),
            BuildingSpec("2", 2, 18, 4),
            BuildingSpec("3", 2, 18, 4),
            BuildingSpec("4", 2, 18, 4),
            BuildingSpec("5", 3, 11, 4),
            BuildingSpec("6", 3, 11, 4),
            BuildingSpec("7", 3, 11, 4),
            BuildingSpec("8", 2, 15, 4),
            BuildingSpec("9", 2, 15, 4),
            BuildingSpec("10", 3, 11, 3),
            BuildingSpec("11", 3, 11, 4),
        ),
        # long-vacant flats per building: 40 in all
        vacant=dict(zip(map(str, range(1, 12)), (4, 3, 5, 4, 3, 4, 3, 3, 4, 3, 4), strict=True)),
        profile="rental",
        local_regions=("420606", "420602", "420607"),
        premises=(
            PremisesSpec("新市民便利店", PremisesKind.SHOP, "1", "新市民公寓1号楼底商1号", "黄海"),
            PremisesSpec(
                "余岗社区卫生服务站", PremisesKind.HOSPITAL, "5", "新市民公寓5号楼一层", "郭敏"
            ),
            PremisesSpec(
                "蓝天家政服务部", PremisesKind.FIRM, "8", "新市民公寓8号楼底商3号", "吴娟"
            ),
        ),
    ),
)


@dataclass(frozen=True)
class UserSpec:
    username: str
    role: str
    display_name: str
    beats: tuple[str, ...] = ()
    communities: tuple[str, ...] = ()
    #: (compound name, building number)
    head_of: tuple[tuple[str, str], ...] = ()
    in_station: bool = True


USERS: tuple[UserSpec, ...] = (
    UserSpec("officer-a", Role.OFFICER, "王建国", beats=(BEAT_A,), head_of=(("富贵佳园", "6"),)),
    UserSpec("officer-b", Role.OFFICER, "刘志强", beats=(BEAT_B,)),
    UserSpec("worker-a", Role.WORKER, "陈丽", communities=("富贵社区",)),
    UserSpec("chief", Role.CHIEF, "赵永福"),
    UserSpec("admin", Role.SYSADMIN, "系统管理员", in_station=False),
    UserSpec("auditor", Role.AUDITOR, "审计管理员", in_station=False),
)

# --- fictional people -----------------------------------------------------------


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余于杜叶程魏苏吕丁任卢姚沈钟姜崔"
    "谭陆范汪廖石金贾夏付方邹熊白孟秦邱侯江尹薛段雷龙史陶贺毛郝顾龚邵万武钱戴严孔向常汤"
)
MALE_GIVEN = _words(
    "伟 强 磊 军 勇 杰 涛 明 超 华 平 刚 辉 鹏 斌 波 宇 浩 凯 健 俊 峰 "
    "文 东 晨 建国 志强 海涛 国庆 德明 建华 永福 子轩 浩然 宇航 俊杰 文博 志明 "
    "立新 振华"
)
FEMALE_GIVEN = _words(
    "芳 娜 敏 静 丽 艳 娟 霞 燕 玲 婷 雪 琳 颖 慧 倩 欣 梅 红 萍 桂英 "
    "秀英 桂兰 秀珍 淑芬 凤英 玉兰 丽华 晓燕 雨桐 欣怡 诗涵 梓涵 佳怡 海燕 春梅"
)
ETHNICITIES = ("汉族",) * 30 + ("回族", "蒙古族", "满族", "土家族", "苗族")
#: regions people of the floating population come from (GB/T 2260 county codes)
ELSEWHERE_REGIONS = _words(
    "421002 421181 420821 411302 411323 430102 "
    "430621 360102 341502 510104 500101 522121 "
    "130102 140105 370102 610103 620102 640104 "
    "450102 350102"
)
WORKING_OCCUPATIONS = _words(
    "公司职员 个体经营 教师 护士 医生 司机 厨师 保安 销售 工程师 会计 超市营业员 "
    "快递员 外卖骑手 建筑工人 家政服务员 电工 公务员 自由职业 无业"
)
#: mobile prefixes of the three carriers (13x/15x/18x)
MOBILE_PREFIXES = _words(
    "130 131 132 133 135 136 137 138 139 150 151 "
    "152 153 155 156 157 158 159 180 181 182 183 "
    "185 186 187 188 189"
)


@dataclass
class Member:
    relation: str
    age: int
    sex: str
    population_type: str
    occupation: str = ""
    notes: str = ""


@dataclass
class PersonMaker:
    """Draws fictional people from one seeded generator; no ID number twice."""

    rng: random.Random
    local_regions: tuple[str, ...]
    used_ids: set[str] = field(default_factory=set)

    def name(self, sex: str) -> str:
        given = MALE_GIVEN if sex == Sex.MALE else FEMALE_GIVEN
        return self.rng.choice(SURNAMES) + self.rng.choice(given)

    def id_number(self, region: str, birth: dt.date, sex: str) -> str:
        while True:
            seq = self.rng.randrange(0, 1000)
            # the 17th digit is odd for men, even for women
            if (seq % 2 == 1) != (sex == Sex.MALE):
                seq = (seq + 1) % 1000
            first17 = f"{region}{birth:%Y%m%d}{seq:03d}"
            number = first17 + check_character(first17)
            if number not in self.used_ids:
                self.used_ids.add(number)
                return number

    def birth_date(self, age: int) -> dt.date:
        return REFERENCE_DAY - dt.timedelta(days=age * 365 + self.rng.randrange(1, 365))

    def region(self, population_type: str) -> str:
        if population_type == PopulationType.REGISTERED:
            return self.rng.choice(self.local_regions)
        return self.rng.choice(ELSEWHERE_REGIONS)

    def phone(self) -> str:
        while True:
            raw = self.rng.choice(MOBILE_PREFIXES) + f"{self.rng.randrange(0, 10**8):08d}"
            try:
                return normalize_phone(raw)
            except PhoneError:  # a range phonenumbers does not know; draw again
                continue

    def phones(self, age: int) -> list[str]:
        if age < 14 or (age >= 75 and self.rng.random() < 0.5):
            return []
        return [self.phone() for _ in range(2 if self.rng.random() < 0.1 else 1)]


def _adult_occupation(rng: random.Random, age: int) -> str:
    if age >= 60:
        return "退休"
    return rng.choice(WORKING_OCCUPATIONS)


def _child(rng: random.Random, parent_age: int, population_type: str) -> Member:
    age = max(0, min(parent_age - rng.randint(22, 34), 30))
    occupation = "学生" if 6 <= age <= 22 else ("" if age < 6 else _adult_occupation(rng, age))
    return Member(
        Relation.OWNER_FAMILY, age, rng.choice((Sex.MALE, Sex.FEMALE)), population_type, occupation
    )


def household(rng: random.Random, profile: str) -> tuple[str, list[Member]]:
    """A flat's status and its members, head first."""
    roll = rng.random()
    tenant_share = 0.22 if profile == "settled" else 0.75
    alone_share = 0.10 if profile == "settled" else 0.03
    couple_share = 0.08 if profile == "settled" else 0.07
    if roll < alone_share:
        sex = rng.choice((Sex.MALE, Sex.FEMALE))
        age = rng.randint(70, 92)
        return FlatStatus.OCCUPIED, [
            Member(Relation.OWNER, age, sex, PopulationType.REGISTERED, "退休", ELDERLY_ALONE_NOTE)
        ]
    if roll < alone_share + couple_share:
        age = rng.randint(62, 85)
        return FlatStatus.OCCUPIED, [
            Member(Relation.OWNER, age, Sex.MALE, PopulationType.REGISTERED, "退休"),
            Member(
                Relation.OWNER_FAMILY,
                age - rng.randint(0, 5),
                Sex.FEMALE,
                PopulationType.REGISTERED,
                "退休",
            ),
        ]
    if roll < alone_share + couple_share + tenant_share:
        size = rng.choices((1, 2, 3, 4, 5), weights=(10, 25, 30, 22, 13))[0]
        population = rng.choices(
            (PopulationType.FLOATING, PopulationType.SEPARATED, PopulationType.REGISTERED),
            weights=(75, 15, 10),
        )[0]
        head_age = rng.randint(21, 55)
        head_sex = rng.choice((Sex.MALE, Sex.FEMALE))
        members = [
            Member(
                Relation.TENANT, head_age, head_sex, population, _adult_occupation(rng, head_age)
            )
        ]
        if size >= 2 and rng.random() < 0.7:  # a family renting together
            spouse_age = max(20, head_age + rng.randint(-4, 4))
            spouse_sex = Sex.FEMALE if head_sex == Sex.MALE else Sex.MALE
            members.append(
                Member(
                    Relation.TENANT,
                    spouse_age,
                    spouse_sex,
                    population,
                    _adult_occupation(rng, spouse_age),
                )
            )
            while len(members) < size:
                child = _child(rng, min(head_age, spouse_age), population)
                members.append(
                    Member(Relation.TENANT, child.age, child.sex, population, child.occupation)
                )
        else:  # flatmates
            while len(members) < size:
                age = rng.randint(19, 40)
                members.append(
                    Member(
                        Relation.TENANT,
                        age,
                        rng.choice((Sex.MALE, Sex.FEMALE)),
                        PopulationType.FLOATING,
                        _adult_occupation(rng, age),
                    )
                )
        return FlatStatus.RENTED, members
    # an owner's family
    size = rng.choices((2, 3, 4, 5), weights=(25, 35, 25, 15))[0]
    head_age = rng.randint(30, 62)
    head_sex = Sex.MALE if rng.random() < 0.7 else Sex.FEMALE
    spouse_sex = Sex.FEMALE if head_sex == Sex.MALE else Sex.MALE
    spouse_age = max(22, head_age + rng.randint(-5, 3))
    members = [
        Member(
            Relation.OWNER,
            head_age,
            head_sex,
            PopulationType.REGISTERED,
            _adult_occupation(rng, head_age),
        ),
        Member(
            Relation.OWNER_FAMILY,
            spouse_age,
            spouse_sex,
            PopulationType.REGISTERED,
            _adult_occupation(rng, spouse_age),
        ),
    ]
    if size == 5 or (size == 4 and rng.random() < 0.3):  # a grandparent lives with them
        age = min(95, head_age + rng.randint(24, 32))
        members.append(
            Member(
                Relation.OWNER_FAMILY,
                age,
                rng.choice((Sex.MALE, Sex.FEMALE)),
                PopulationType.REGISTERED,
                "退休",
            )
        )
    while len(members) < size:
        members.append(_child(rng, min(head_age, spouse_age), PopulationType.REGISTERED))
    return FlatStatus.OCCUPIED, members


# --- loading ----------------------------------------------------------------------


@dataclass
class LoadResult:
    #: (username, password, role), in the order of USERS
    logins: list[tuple[str, str, str]]
    #: rows created by this run, by kind; empty when everything was already there
    created: dict[str, int]


def load(*, password: str | None = None) -> LoadResult:
    """Load the demo data (idempotent) and set each demo user's password.

    ``password`` is used for every demo user; without it each user gets a
    fresh random one. Returns the logins and what was created.
    """
    created: Counter[str] = Counter()
    with transaction.atomic():
        station, new = Station.objects.get_or_create(name=STATION, defaults={"code": "CG"})
        created["stations"] += new
        beats: dict[str, Beat] = {}
        communities: dict[str, Community] = {}
        for spec in COMPOUNDS:
            if spec.beat not in beats:
                beats[spec.beat], new = Beat.objects.get_or_create(station=station, name=spec.beat)
                created["beats"] += new
            if spec.community not in communities:
                communities[spec.community], new = Community.objects.get_or_create(
                    name=spec.community, defaults={"beat": beats[spec.beat]}
                )
                created["communities"] += new
        for spec in COMPOUNDS:
            if not Compound.objects.filter(
                community=communities[spec.community], name=spec.name
            ).exists():
                created.update(_build_compound(spec, communities[spec.community]))
        users = _ensure_users(station, beats, communities, created)
        created = +created  # drop zero counts
        if created:
            audit.record(
                actor=None,
                action="demo.load",
                obj=station,
                extra={"created": dict(sorted(created.items()))},
            )
        logins = []
        for user in users:
            # a blank password: the service generates one and gives it back
            result = account_services.user_set_password(
                actor=None, user=user, password=password or ""
            )
            logins.append((user.username, result.password, user.role))
    loaded = LoadResult(logins=logins, created=dict(created))
    # each feature app with a demo module adds its part (idempotent too)
    for app in settings.FEATURE_APPS:
        if importlib.util.find_spec(f"beatbook.{app}.demo") is not None:
            importlib.import_module(f"beatbook.{app}.demo").load(password=password, result=loaded)
    return loaded


def _build_compound(spec: CompoundSpec, community: Community) -> Counter[str]:
    rng = random.Random(f"beatbook-demo:{spec.name}")
    people = PersonMaker(rng=rng, local_regions=spec.local_regions)
    counts: Counter[str] = Counter()
    compound = Compound.objects.create(
        community=community,
        name=spec.name,
        address=spec.address,
        property_manager=spec.property_manager,
        property_phone=people.phone(),
    )
    counts["compounds"] += 1

    buildings = Building.objects.bulk_create(
        [
            Building(
                compound=compound,
                number=b.number,
                floors=b.floors,
                sort_key=addresses.sort_key(b.number),
            )
            for b in spec.buildings
        ]
    )
    counts["buildings"] += len(buildings)
    entrance_rows = [
        Entrance(building=building, number=str(n), sort_key=addresses.sort_key(str(n)))
        for building, b in zip(buildings, spec.buildings, strict=True)
        for n in range(1, b.entrances + 1)
    ]
    Entrance.objects.bulk_create(entrance_rows)
    counts["entrances"] += len(entrance_rows)

    flats: list[Flat] = []
    for building, b in zip(buildings, spec.buildings, strict=True):
        rooms = [
            (entrance, floor, f"{floor}{k:02d}")
            for entrance in (e for e in entrance_rows if e.building_id == building.pk)
            for floor in range(1, b.floors + 1)
            for k in range(1, b.flats_per_floor + 1)
        ]
        vacant = set(rng.sample(range(len(rooms)), spec.vacant.get(b.number, 0)))
        for i, (entrance, floor, room) in enumerate(rooms):
            flats.append(
                Flat(
                    building=building,
                    entrance=entrance,
                    room=room,
                    floor=floor,
                    status=FlatStatus.VACANT if i in vacant else FlatStatus.UNKNOWN,
                    notes=LONG_VACANT_NOTE if i in vacant else "",
                    address=addresses.flat_address(
                        spec.name, building.number, entrance.number, room
                    ),
                    area_m2=rng.choice((58, 64, 72, 86, 90, 105, 118, 126))
                    if spec.profile == "settled"
                    else rng.choice((35, 42, 48, 56, 62)),
                )
            )

    residents: list[Resident] = []
    for flat in flats:
        if flat.status == FlatStatus.VACANT:
            continue
        status, members = household(rng, spec.profile)
        flat.status = status
        years_ago = rng.randint(1, 18 if spec.profile == "settled" else 8)
        moved_in = REFERENCE_DAY - dt.timedelta(days=years_ago * 365 + rng.randrange(0, 365))
        for i, m in enumerate(members):
            region = people.region(m.population_type)
            birth = people.birth_date(m.age)
            phones = people.phones(m.age)
            name = people.name(m.sex)
            id_number = people.id_number(region, birth, m.sex)
            residents.append(
                Resident(
                    flat=flat,
                    name=name,
                    document_type=DocumentType.ID_CARD,
                    id_number=id_number,
                    sex=m.sex,
                    birth_date=birth,
                    phones=phones,
                    **Resident.derived_fields(name=name, id_number=id_number, phones=phones),
                    population_type=m.population_type,
                    relation=m.relation,
                    is_head=i == 0,
                    ethnicity=rng.choice(ETHNICITIES),
                    occupation=m.occupation,
                    notes=m.notes,
                    moved_in_on=max(moved_in, birth),
                )
            )
    _avoid_existing_documents(residents, people)
    Flat.objects.bulk_create(flats, batch_size=500)
    counts["flats"] += len(flats)
    Resident.objects.bulk_create(residents, batch_size=500)
    counts["residents"] += len(residents)
    Residence.objects.bulk_create(
        [
            Residence(
                resident=r,
                flat=r.flat,
                relation=r.relation,
                is_head=r.is_head,
                moved_in_on=r.moved_in_on,
                reason="registered",
            )
            for r in residents
        ],
        batch_size=500,
    )
    counts["residences"] += len(residents)

    by_number = {b.number: b for b in buildings}
    premises = [
        Premises(
            community=community,
            compound=compound,
            building=by_number[p.building],
            name=p.name,
            kind=p.kind,
            address=p.address,
            contact_name=p.contact_name,
            contact_phone=people.phone(),
        )
        for p in spec.premises
    ]
    Premises.objects.bulk_create(premises)
    counts["premises"] += len(premises)
    return counts


def _avoid_existing_documents(residents: list[Resident], people: PersonMaker) -> None:
    """Redraw the (unlikely) ID numbers that someone already registered."""
    pending = residents
    while pending:
        taken: set[str] = set()
        for start in range(0, len(pending), 500):
            chunk = [r.id_number for r in pending[start : start + 500]]
            taken.update(
                Resident.objects.filter(
                    document_type=DocumentType.ID_CARD,
                    passport_country="",
                    id_number__in=chunk,
                ).values_list("id_number", flat=True)
            )
        pending = [r for r in pending if r.id_number in taken]
        for r in pending:
            assert r.birth_date is not None
            r.id_number = people.id_number(r.id_number[:6], r.birth_date, r.sex)


def _ensure_users(
    station: Station,
    beats: dict[str, Beat],
    communities: dict[str, Community],
    created: Counter[str],
) -> list[User]:
    users = []
    for spec in USERS:
        user = User.objects.filter(username=spec.username).first()
        if user is None:
            user = User(
                username=spec.username,
                role=spec.role,
                display_name=spec.display_name,
                station=station if spec.in_station else None,
            )
            user.set_unusable_password()
            user.save()
            user.beats.set([beats[name] for name in spec.beats])
            user.communities.set([communities[name] for name in spec.communities])
            user.head_of_buildings.set(_buildings(spec.head_of, communities))
            created["users"] += 1
        users.append(user)
    return users


def _buildings(
    refs: Iterable[tuple[str, str]], communities: dict[str, Community]
) -> list[Building]:
    """The demo's own buildings, looked up inside the demo's communities (a
    real compound may share a demo compound's name elsewhere in the city)."""
    community_of = {spec.name: communities[spec.community] for spec in COMPOUNDS}
    return [
        Building.objects.get(
            compound__community=community_of[compound], compound__name=compound, number=number
        )
        for compound, number in refs
    ]
