"""Synthetic residents for the benchmarks: deterministic, realistic, fast.

    .venv/bin/python benchmarks/synth.py csv  FILE.csv  [-n N] [--seed S]
    .venv/bin/python benchmarks/synth.py xlsx FILE.xlsx [-n N] [--seed S]
    .venv/bin/python benchmarks/synth.py populate [-n N] [--postgres URL]   # timing only

Importable from other benchmark scripts (``sys.path.insert(0, benchmarks_dir)``,
then ``import synth``); the Django-free part (rows, write_csv, write_xlsx) needs
no settings; ``jurisdiction`` and ``populate`` need ``django.setup()`` done.

What it makes (the same for the same ``n`` and ``seed``):

* a city of communities (``…社区``), each with 2-4 compounds with realistic
  names (``翠湖雅苑``, ``滨江花园二期``); compounds are high-rise, mid-rise or
  rental blocks: buildings 1..N, entrances 1..k, rooms ``101``, ``102``… per floor
  (``1201`` on the 12th floor), ~6 % of flats vacant;
* households of 1-5 people with consistent relations: owner families (one
  户主, 配偶, 子/女, sometimes 父亲/母亲 or 孙子女), tenants (租户: a couple
  with children or flatmates) and elderly people living alone;
* 18-digit ID numbers with a valid check character, birth date and sex matching
  the person, unique across the whole data set (by construction, no memory);
  local people carry the city's district codes, floating people codes from
  elsewhere, a few 境外人员 Hong Kong / Macao / Taiwan residence permits;
* common Chinese names (surnames weighted by their real frequency, including
  polyphonic ones such as 曾 单 解 仇 and a few compound surnames), ~2 % written
  in traditional characters (``張偉``), many duplicates (``张伟``, ``王芳``);
* valid Chinese mobiles (``phonenumbers``-valid carrier prefixes) written as
  ``13812345678``, ``138 1234 5678`` or ``138-1234-5678``; some Hangzhou
  landlines (``0571-8xxxxxxx``); children and some elderly have none;
* population types 户籍人口 / 流动人口 / 人户分离 / 境外人员;
* ~3 % of people have moved out: in ``populate`` they get ``moved_out_on``; the
  import format has no column for that, so ``rows`` writes them with
  ``备注 = 已迁出`` (an import registers them as current).

Memory stays flat: everything is streamed; nothing grows with ``n`` except
the list of communities.
"""

# ruff: noqa: SIM905  (word lists are written as space-separated text)
from __future__ import annotations

import csv
import datetime as dt
import functools
import itertools
import json
import math
import random
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from beatbook.registry.idnumbers import check_character  # noqa: E402  (no Django)

#: the import format's columns, in the order written
HEADERS = (
    "姓名",
    "公民身份号码",
    "性别",
    "出生日期",
    "民族",
    "联系电话",
    "社区",
    "小区",
    "楼栋",
    "单元",
    "房号",
    "人员类型",
    "与户主关系",
    "备注",
)

#: ages are counted from this day so that the data never changes with the clock
REFERENCE_DAY = dt.date(2025, 1, 1)
MOVED_OUT_NOTE = "已迁出"
DEFAULT_STATION = "合成数据派出所"

# --- word lists -------------------------------------------------------------------

#: (surname, share in % of the population; 2020 census order of magnitude)
SURNAMES: tuple[tuple[str, float], ...] = tuple(
    (s, float(w))
    for s, w in (
        pair.split(":")
        for pair in (
            "王:7.12 李:7.00 张:6.74 刘:5.10 陈:4.61 杨:3.22 黄:2.45 赵:2.19 吴:2.05 周:1.91 "
            "徐:1.60 孙:1.46 马:1.40 朱:1.33 胡:1.26 郭:1.18 何:1.15 林:1.04 罗:1.00 高:1.00 "
            "郑:0.85 梁:0.83 谢:0.79 宋:0.69 唐:0.69 许:0.68 韩:0.63 冯:0.61 邓:0.61 曹:0.59 "
            "彭:0.55 曾:0.53 肖:0.53 田:0.51 董:0.51 潘:0.49 袁:0.48 蔡:0.47 蒋:0.47 余:0.45 "
            "于:0.44 杜:0.43 叶:0.42 程:0.42 魏:0.41 苏:0.40 吕:0.40 丁:0.39 任:0.39 卢:0.37 "
            "姚:0.36 沈:0.35 钟:0.35 姜:0.33 崔:0.33 谭:0.33 陆:0.33 范:0.32 汪:0.31 廖:0.31 "
            "石:0.30 金:0.30 贾:0.29 韦:0.29 夏:0.28 付:0.28 方:0.28 邹:0.26 熊:0.26 白:0.25 "
            "孟:0.25 秦:0.25 邱:0.24 侯:0.24 江:0.23 尹:0.23 薛:0.22 闫:0.22 段:0.21 雷:0.21 "
            "龙:0.20 黎:0.20 史:0.20 陶:0.20 贺:0.20 毛:0.18 郝:0.18 顾:0.18 龚:0.17 邵:0.17 "
            "万:0.17 覃:0.16 武:0.16 钱:0.15 戴:0.15 严:0.15 莫:0.14 孔:0.14 向:0.14 常:0.13 "
            "汤:0.13 单:0.05 解:0.03 仇:0.02 查:0.03 区:0.01 朴:0.02 盖:0.01 "
            "欧阳:0.03 司马:0.01 诸葛:0.005 上官:0.005"
        ).split()
    )
)
_MALE_CHARS = "伟强磊军勇杰涛明超华平刚辉鹏斌波宇浩凯健俊峰文东晨林阳鑫亮飞龙洋帅志建国新海春永德成立振家轩然航博睿泽楠"
_FEMALE_CHARS = "芳娜敏静丽艳娟霞燕玲婷雪琳颖慧倩欣梅红萍英兰秀珍凤玉华晓雨桐怡诗涵梓佳琪萱悦瑶洁璐"
#: whole given names typical of a generation: (born before, names)
_ERA_NAMES_MALE = (
    (1965, "建国 国庆 建华 志强 德明 永福 卫东 建军 国强 振华 立新 红兵"),
    (1985, "海涛 志明 建平 晓东 文杰 俊杰 永刚 海波 国栋 小平"),
    (2000, "宇航 浩然 文博 子豪 俊熙 明轩 天宇 嘉豪"),
    (2030, "子轩 浩宇 梓睿 一诺 宇泽 沐阳 奕辰 梓豪"),
)
_ERA_NAMES_FEMALE = (
    (1965, "桂英 秀英 桂兰 秀珍 淑芬 凤英 玉兰 丽华 秀兰 玉梅"),
    (1985, "晓燕 丽娟 海燕 春梅 红梅 丽萍 晓红 小红"),
    (2000, "婷婷 欣怡 佳怡 雨桐 诗涵 梦琪 思琪 雅婷"),
    (2030, "梓涵 一诺 欣妍 可馨 语桐 若汐 子涵 雨萱"),
)
_ETHNICITIES = ("汉族",) * 91 + (
    "回族",
    "满族",
    "壮族",
    "蒙古族",
    "土家族",
    "苗族",
    "畲族",
    "彝族",
    "藏族",
)
_OCCUPATIONS = (
    "公司职员 个体经营 教师 护士 医生 司机 厨师 保安 销售 工程师 会计 营业员 快递员 外卖骑手 "
    "建筑工人 家政服务员 电工 公务员 自由职业 无业 程序员 设计师"
).split()

#: districts of the city (Hangzhou): the registered population's region codes
LOCAL_REGIONS = "330102 330105 330106 330108 330109 330110 330111 330112 330113 330114".split()
#: where the floating population comes from (GB/T 2260 county codes)
ELSEWHERE_REGIONS = (
    "341202 341221 341322 411524 411527 411721 421127 421182 421281 362426 362201 "
    "360681 513029 511681 522401 522422 431121 430524 432503 371402 370829 320324 "
    "130425 140311 610323 620523 450981 350583 340827 342425"
).split()
#: 人户分离: registered elsewhere in the province (each pool has its own codes)
PROVINCE_REGIONS = "330302 330304 330381 330421 330521 330602 330682 330723 330782 331002".split()
#: 境外人员 with an 18-digit residence permit: Hong Kong, Macao, Taiwan
PERMIT_REGIONS = ("810000", "820000", "830000")
LANDLINE_AREA = "0571"

_COMMUNITY_WORDS = (
    "城南 城北 东湖 西溪 柳营 桂花 长青 新华 解放 人民 建设 胜利 团结 光明 朝阳 红旗 "
    "友谊 先锋 文化 复兴 凤起 庆春 望江 紫阳 清波 湖滨 小营 南星 闸弄 采荷 四季青 "
    "古荡 翠苑 文新 蒋村 转塘 留下 北山 灵隐 浦沿 长河 西兴 闻堰 宁围 盈丰 北干 "
    "城厢 新塘 临浦 瓜沥 益农 党湾 靖江 南阳 义蓬 河庄 下沙 白杨 九堡 笕桥 丁桥"
).split()
_COMMUNITY_SUFFIX = ("", "东", "西", "南", "北", "新村", "花园")
_COMPOUND_PREFIX = (
    "富贵 阳光 锦绣 金色 翠湖 滨江 和平 幸福 东方 世纪 书香 绿城 紫荆 春晖 碧桂 御景 "
    "龙湖 中海 华府 盛世 明珠 枫林 桃源 丽景 新城 金地 天润 凤凰 鸿福 嘉禾 怡景 泰和 "
    "康乐 清华 南湖 西山 北辰 文华 润泽 香樟 银杏 星河 云栖 江南 钱塘 望湖 紫金 锦园"
).split()
_COMPOUND_SUFFIX = (
    "佳园 花园 家园 小区 公寓 新村 苑 华庭 雅苑 名都 山庄 府 城 国际 嘉园 名苑 新居 庭院 丽园 景园"
).split()
_PHASES = ("", "二期", "三期", "四期", "五期")
_STREETS = "文一路 文二路 天目山路 凤起路 庆春路 解放路 秋涛路 江南大道 莫干山路 古墩路 余杭塘路 学院路".split()
_PREMISES = (
    ("便利店", "shop"),
    ("超市", "shop"),
    ("快递驿站", "shop"),
    ("理发店", "shop"),
    ("大药房", "shop"),
    ("面馆", "restaurant"),
    ("小吃店", "restaurant"),
    ("家政服务部", "firm"),
    ("社区卫生服务站", "hospital"),
    ("幼儿园", "school"),
    ("宾馆", "hotel"),
    ("五金店", "shop"),
)


# --- the structure: communities, compounds, buildings ------------------------------------


@dataclass(frozen=True, slots=True)
class CompoundPlan:
    index: int
    community_index: int
    community: str
    name: str
    address: str
    profile: str  # "highrise", "midrise" or "rental"
    #: (building number, entrances, floors, flats per floor)
    buildings: tuple[tuple[str, int, int, int], ...]


def _community_name(k: int) -> str:
    word = _COMMUNITY_WORDS[k % len(_COMMUNITY_WORDS)]
    suffix = _COMMUNITY_SUFFIX[(k // len(_COMMUNITY_WORDS)) % len(_COMMUNITY_SUFFIX)]
    rounds = k // (len(_COMMUNITY_WORDS) * len(_COMMUNITY_SUFFIX))
    return f"{word}{suffix}{'' if rounds == 0 else rounds + 1}社区"


def compound_plans(seed: int = 0) -> Iterator[CompoundPlan]:
    """The city's compounds, community by community (endless)."""
    rng = random.Random(f"synth-structure:{seed}")
    names = [p + s for p in _COMPOUND_PREFIX for s in _COMPOUND_SUFFIX]
    rng.shuffle(names)
    index = 0
    for community_index in itertools.count():
        community = _community_name(community_index)
        for _ in range(rng.randint(2, 4)):
            base = names[index % len(names)]
            phase = _PHASES[(index // len(names)) % len(_PHASES)]
            rounds = index // (len(names) * len(_PHASES))
            name = f"{base}{phase}{'' if rounds == 0 else f'({rounds + 1})'}"
            profile = rng.choices(("highrise", "midrise", "rental"), weights=(45, 35, 20))[0]
            if profile == "highrise":
                buildings = tuple(
                    (
                        str(b),
                        rng.randint(1, 2),
                        rng.choice((18, 24, 26, 28, 32, 33)),
                        rng.choice((2, 3, 4)),
                    )
                    for b in range(1, rng.randint(6, 20) + 1)
                )
            elif profile == "midrise":
                buildings = tuple(
                    (str(b), rng.randint(2, 4), rng.choice((5, 6, 6, 7)), 2)
                    for b in range(1, rng.randint(8, 30) + 1)
                )
            else:
                buildings = tuple(
                    (str(b), rng.randint(2, 3), rng.randint(8, 18), 4)
                    for b in range(1, rng.randint(5, 12) + 1)
                )
            address = f"{rng.choice(_STREETS)}{rng.randint(1, 999)}号"
            yield CompoundPlan(index, community_index, community, name, address, profile, buildings)
            index += 1


# --- people ------------------------------------------------------------------------


@dataclass(slots=True)
class Person:
    name: str
    id_number: str
    sex: str  # "M" / "F"
    birth_date: dt.date
    ethnicity: str
    #: as written in a file ('' for none) and in E.164
    phone_text: str
    phone: str
    population_type: str  # registered / floating / separated / foreign
    relation_word: str  # 户主, 配偶, 子, 女, 父亲, 母亲, 孙子女, 租户, 其他
    relation: str  # owner / owner_family / tenant / other
    is_head: bool
    occupation: str
    notes: str
    moved_in_on: dt.date
    moved_out_on: dt.date | None


@dataclass(slots=True)
class Home:
    compound: CompoundPlan
    building: str
    entrance: str
    room: str
    floor: int
    status: str  # occupied / rented / vacant
    area_m2: int
    people: list[Person] = field(default_factory=list)


_POPULATION_WORDS = {
    "registered": "户籍人口",
    "floating": "流动人口",
    "separated": "人户分离",
    "foreign": "境外人员",
}
_SEX_WORDS = {"M": "男", "F": "女"}
_RELATION_OF = {
    "户主": "owner",
    "配偶": "owner_family",
    "子": "owner_family",
    "女": "owner_family",
    "父亲": "owner_family",
    "母亲": "owner_family",
    "孙子女": "owner_family",
    "租户": "tenant",
    "其他": "other",
}


@functools.cache
def _mobile_prefixes() -> tuple[str, ...]:
    """Four-digit mobile prefixes that phonenumbers accepts as valid CN mobiles."""
    import phonenumbers

    rng = random.Random(7)
    found = []
    for a in ("13", "15", "17", "18", "19"):
        for b in "0123456789":
            for c in "0123456789":
                prefix = a + b + c
                if all(
                    phonenumbers.is_valid_number(
                        phonenumbers.parse(prefix + f"{rng.randrange(10**7):07d}", "CN")
                    )
                    for _ in range(4)
                ):
                    found.append(prefix)
    return tuple(found)


class _IdMaker:
    """Unique ID numbers without remembering them.

    A pool (local, elsewhere, permits) numbers its people 0, 1, 2…; person ``i``
    gets block ``b = i // S`` and slot ``k = i % S`` (``S`` = regions × 500).
    The slot fixes the region and the sequence number (its parity is the sex),
    and the birth date is moved back to the nearest day whose ordinal is ``b``
    modulo the number of blocks: two people of one block differ in region or
    sequence, two of different blocks in birth date.
    """

    def __init__(self, regions: list[str] | tuple[str, ...], n: int) -> None:
        self.regions = tuple(regions)
        self.slots = len(self.regions) * 500
        self.blocks = max(1, math.ceil(n / self.slots))
        self.count = 0

    def make(self, birth: dt.date, sex: str) -> tuple[str, dt.date]:
        i = self.count
        self.count += 1
        block, k = divmod(i, self.slots)
        assert block < self.blocks, "more people than the pool was sized for"
        region = self.regions[k % len(self.regions)]
        seq = (k // len(self.regions)) * 2 + (1 if sex == "M" else 0)
        ordinal = birth.toordinal()
        born = dt.date.fromordinal(ordinal - (ordinal - block) % self.blocks)
        first17 = f"{region}{born:%Y%m%d}{seq:03d}"
        return first17 + check_character(first17), born


@dataclass
class _Member:
    word: str
    age: int
    sex: str
    population_type: str


def _household(rng: random.Random, profile: str) -> tuple[str, list[_Member]]:
    """A flat's status and its members (head or lease holder first)."""
    roll = rng.random()
    tenant_share = {"highrise": 0.22, "midrise": 0.18, "rental": 0.8}[profile]
    alone = 0.09 if profile != "rental" else 0.03
    couple = 0.08 if profile != "rental" else 0.04
    if roll < alone:
        return "occupied", [_Member("户主", rng.randint(68, 94), rng.choice("MF"), "registered")]
    if roll < alone + couple:
        age = rng.randint(60, 86)
        return "occupied", [
            _Member("户主", age, "M", "registered"),
            _Member("配偶", max(55, age - rng.randint(0, 5)), "F", "registered"),
        ]
    if roll < alone + couple + tenant_share:
        size = rng.choices((1, 2, 3, 4, 5), weights=(14, 28, 30, 20, 8))[0]
        population = rng.choices(
            ("floating", "separated", "registered", "foreign"), weights=(74, 14, 11, 1)
        )[0]
        head_age = rng.randint(20, 55)
        head_sex = rng.choice("MF")
        members = [_Member("租户", head_age, head_sex, population)]
        if size >= 2 and rng.random() < 0.65:  # a family renting together
            other = "F" if head_sex == "M" else "M"
            spouse_age = max(20, head_age + rng.randint(-4, 4))
            members.append(_Member("租户", spouse_age, other, population))
            while len(members) < size:
                members.append(
                    _Member(
                        "租户",
                        max(0, min(head_age, spouse_age) - rng.randint(22, 34)),
                        rng.choice("MF"),
                        population,
                    )
                )
        else:  # flatmates
            while len(members) < size:
                members.append(_Member("租户", rng.randint(19, 40), rng.choice("MF"), "floating"))
        return "rented", members
    size = rng.choices((2, 3, 4, 5), weights=(22, 38, 26, 14))[0]
    head_age = rng.randint(28, 64)
    head_sex = "M" if rng.random() < 0.7 else "F"
    spouse_age = max(22, head_age + rng.randint(-5, 3))
    members = [
        _Member("户主", head_age, head_sex, "registered"),
        _Member("配偶", spouse_age, "F" if head_sex == "M" else "M", "registered"),
    ]
    if size == 5 or (size == 4 and rng.random() < 0.3):  # a grandparent lives with them
        sex = rng.choice("MF")
        members.append(
            _Member(
                "父亲" if sex == "M" else "母亲",
                min(96, head_age + rng.randint(24, 32)),
                sex,
                "registered",
            )
        )
    while len(members) < size:
        sex = rng.choice("MF")
        age = max(0, min(head_age, spouse_age) - rng.randint(22, 34))
        word = "子" if sex == "M" else "女"
        if head_age >= 58 and rng.random() < 0.5:
            word, age = "孙子女", rng.randint(0, 12)
        members.append(_Member(word, age, sex, "registered"))
    return "occupied", members


class _People:
    """Draws names, ID numbers and phones (one seeded generator)."""

    def __init__(self, rng: random.Random, n: int) -> None:
        self.rng = rng
        self.surnames = [s for s, _ in SURNAMES]
        self.cum = list(itertools.accumulate(w for _, w in SURNAMES))
        self.ids = {
            "registered": _IdMaker(LOCAL_REGIONS, n),
            "floating": _IdMaker(ELSEWHERE_REGIONS, n),
            "separated": _IdMaker(PROVINCE_REGIONS, n),
            "foreign": _IdMaker(PERMIT_REGIONS, n),
        }
        self.mobiles = _mobile_prefixes()
        self._t2s_sample: dict[str, str] = {}

    def name(self, sex: str, born: int) -> str:
        rng = self.rng
        surname = rng.choices(self.surnames, cum_weights=self.cum)[0]
        roll = rng.random()
        if roll < 0.22:  # a generation's typical name
            eras = _ERA_NAMES_MALE if sex == "M" else _ERA_NAMES_FEMALE
            words = next(w for year, w in eras if born < year).split()
            given = rng.choice(words)
        elif roll < 0.55:  # one character: many duplicates (张伟, 王芳)
            pool = _MALE_CHARS if sex == "M" else _FEMALE_CHARS
            given = pool[min(int(rng.expovariate(1 / 8)), len(pool) - 1)]
        else:
            pool = _MALE_CHARS if sex == "M" else _FEMALE_CHARS
            given = rng.choice(pool) + rng.choice(pool)
        name = surname + given
        if rng.random() < 0.02:
            name = _to_traditional(name)
        return name

    def phone(self, age: int) -> tuple[str, str]:
        """(as written, E.164); ('', '') for none."""
        rng = self.rng
        if age < 14 or (age >= 75 and rng.random() < 0.5):
            return "", ""
        if rng.random() < 0.04:
            local = f"{rng.choice('5678')}{rng.randrange(10**7):07d}"
            return f"{LANDLINE_AREA}-{local}", f"+86{LANDLINE_AREA[1:]}{local}"
        digits = rng.choice(self.mobiles) + f"{rng.randrange(10**7):07d}"
        style = rng.random()
        if style < 0.8:
            text = digits
        elif style < 0.9:
            text = f"{digits[:3]} {digits[3:7]} {digits[7:]}"
        else:
            text = f"{digits[:3]}-{digits[3:7]}-{digits[7:]}"
        return text, "+86" + digits


@functools.cache
def _converter() -> Any:
    import opencc

    return opencc.OpenCC("s2t")


def _to_traditional(name: str) -> str:
    return str(_converter().convert(name))


def homes(n: int, seed: int = 0, *, vacant: bool = True, details: bool = True) -> Iterator[Home]:
    """Flats with their people, in address order, until ``n`` people are out.

    Vacant flats come out with no people (``vacant=False`` leaves them out).
    The last household may be cut short to make exactly ``n`` people.
    ``details=False`` gives the same flats without drawing the people (fast;
    every home then has an empty ``people``).
    """
    structure = compound_plans(seed)
    rng_h = random.Random(f"synth-households:{seed}")
    people = _People(random.Random(f"synth-people:{seed}"), n)
    left = n
    for plan in structure:
        for number, entrances, floors, per_floor in plan.buildings:
            for entrance in range(1, entrances + 1):
                for floor in range(1, floors + 1):
                    for k in range(1, per_floor + 1):
                        if left <= 0:
                            return
                        room = f"{floor}{k:02d}"
                        area = (
                            rng_h.choice((35, 42, 48, 56, 62))
                            if plan.profile == "rental"
                            else rng_h.choice((58, 72, 86, 90, 105, 118, 126, 140))
                        )
                        if rng_h.random() < 0.06:
                            if vacant:
                                yield Home(plan, number, str(entrance), room, floor, "vacant", area)
                            continue
                        status, members = _household(rng_h, plan.profile)
                        years = rng_h.randint(1, 20 if plan.profile != "rental" else 6)
                        moved_in = REFERENCE_DAY - dt.timedelta(
                            days=years * 365 + rng_h.randrange(365)
                        )
                        home = Home(plan, number, str(entrance), room, floor, status, area)
                        # a former member, moved out (never the head): ~3 % of people
                        if rng_h.random() < 0.085:
                            age = rng_h.randint(18, 60)
                            word = (
                                "租户" if status == "rented" else rng_h.choice(("子", "女", "其他"))
                            )
                            sex = (
                                "M"
                                if word == "子"
                                else ("F" if word == "女" else rng_h.choice("MF"))
                            )
                            pop = members[0].population_type
                            members.append(_Member(word, age, sex, pop))
                            former = len(members) - 1
                        else:
                            former = -1
                        members = members[:left]
                        left -= len(members)
                        if not details:
                            # the same draws from rng_h as below, nothing else
                            for i, _m in enumerate(members):
                                rng_h.randrange(1, 365)
                                if i == former:
                                    rng_h.randrange(30, 700)
                            yield home
                            continue
                        for i, m in enumerate(members):
                            birth = REFERENCE_DAY - dt.timedelta(
                                days=m.age * 365 + rng_h.randrange(1, 365)
                            )
                            id_number, birth = people.ids[m.population_type].make(birth, m.sex)
                            phone_text, phone = people.phone(m.age)
                            is_former = i == former
                            home.people.append(
                                Person(
                                    name=people.name(m.sex, birth.year),
                                    id_number=id_number,
                                    sex=m.sex,
                                    birth_date=birth,
                                    ethnicity=people.rng.choice(_ETHNICITIES),
                                    phone_text=phone_text,
                                    phone=phone,
                                    population_type=m.population_type,
                                    relation_word=m.word,
                                    relation=_RELATION_OF[m.word],
                                    is_head=i == 0,
                                    occupation=(
                                        "退休"
                                        if m.age >= 60
                                        else "学生"
                                        if 6 <= m.age <= 22
                                        else ""
                                        if m.age < 6
                                        else people.rng.choice(_OCCUPATIONS)
                                    ),
                                    notes=MOVED_OUT_NOTE
                                    if is_former
                                    else ("独居老人" if len(members) == 1 and m.age >= 70 else ""),
                                    moved_in_on=max(moved_in, birth),
                                    moved_out_on=(
                                        REFERENCE_DAY - dt.timedelta(days=rng_h.randrange(30, 700))
                                        if is_former
                                        else None
                                    ),
                                )
                            )
                        yield home


def _building_text(rng: random.Random, number: str) -> str:
    r = rng.random()
    return number if r < 0.8 else f"{number}号楼" if r < 0.9 else f"{number}栋"


def rows(n: int, seed: int = 0) -> Iterator[dict[str, str]]:
    """``n`` rows in the import format (keys: :data:`HEADERS`), one per person.

    Buildings are written ``6``, ``6号楼`` or ``6栋``, entrances ``2`` or
    ``2单元``, rooms ``301`` or ``301室`` (all meaning the same). People who moved
    out are written with ``备注 = 已迁出``.
    """
    rng = random.Random(f"synth-format:{seed}")
    for home in homes(n, seed, vacant=False):
        building = _building_text(rng, home.building)
        entrance = home.entrance if rng.random() < 0.85 else f"{home.entrance}单元"
        room = home.room if rng.random() < 0.9 else f"{home.room}室"
        for p in home.people:
            yield {
                "姓名": p.name,
                "公民身份号码": p.id_number,
                "性别": _SEX_WORDS[p.sex],
                "出生日期": p.birth_date.isoformat(),
                "民族": p.ethnicity,
                "联系电话": p.phone_text,
                "社区": home.compound.community,
                "小区": home.compound.name,
                "楼栋": building,
                "单元": entrance,
                "房号": room,
                "人员类型": _POPULATION_WORDS[p.population_type],
                "与户主关系": p.relation_word,
                "备注": p.notes,
            }


def community_names(n: int, seed: int = 0) -> list[str]:
    """The communities the first ``n`` people live in (what an import of
    ``rows(n)`` needs to exist), in order."""
    names: list[str] = []
    for home in homes(n, seed, vacant=False, details=False):
        if not names or names[-1] != home.compound.community:
            names.append(home.compound.community)
    return names


def write_csv(path: str | Path, n: int, seed: int = 0, *, encoding: str = "utf-8-sig") -> Path:
    """Write ``rows(n, seed)`` as CSV (UTF-8 with BOM by default, as Excel
    writes it; ``encoding="gb18030"`` for the Chinese-Windows variant)."""
    path = Path(path)
    with path.open("w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADERS)
        for row in rows(n, seed):
            writer.writerow(row.values())
    return path


def write_xlsx(path: str | Path, n: int, seed: int = 0, *, typed: bool = True) -> Path:
    """Write ``rows(n, seed)`` as xlsx (one sheet, header in row 1), streaming
    (xlsxwriter ``constant_memory``). With ``typed``, all-digit buildings,
    entrances and rooms are number cells, as office files have them; ID
    numbers and phones are always text."""
    import xlsxwriter

    path = Path(path)
    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = workbook.add_worksheet("人员")
    sheet.write_row(0, 0, HEADERS)
    numeric = {HEADERS.index(h) for h in ("楼栋", "单元", "房号")} if typed else set()
    for r, row in enumerate(rows(n, seed), start=1):
        for c, value in enumerate(row.values()):
            if c in numeric and value.isdigit():
                sheet.write_number(r, c, int(value))
            else:
                sheet.write_string(r, c, value)
    workbook.close()
    return path


# --- into the database (needs django.setup()) ------------------------------------------


@dataclass
class BeatInfo:
    id: int
    name: str
    officer: str | None  # username of the beat's officer
    community_ids: list[int]
    residents: int = 0


@dataclass
class Summary:
    """What ``populate`` (or ``jurisdiction``) made."""

    station_id: int
    beats: list[BeatInfo]
    #: username of a station chief (sees the whole station), or None
    chief: str | None
    #: the password of every user created (None: unusable passwords)
    password: str | None
    #: rows created, by kind: communities, compounds, buildings, entrances,
    #: flats, residents, moved_out, residences, premises
    counts: dict[str, int]
    seconds: float


def _beat_count(n: int, beats: int | None) -> int:
    return beats if beats is not None else max(2, min(20, n // 50_000))


def jurisdiction(
    n: int,
    *,
    seed: int = 0,
    station_name: str = DEFAULT_STATION,
    beats: int | None = None,
    officers: bool = True,
    password: str | None = None,
    communities: list[str] | None = None,
) -> Summary:
    """Create the station, its beats, the communities ``rows(n, seed)`` uses
    (community k goes to beat k mod beats), one officer per beat
    (``synth-officer-01``…) and a chief (``synth-chief``) — what an import of the
    generated file needs. ``beats`` defaults to n // 50,000 (2 to 20). Returns a
    :class:`Summary` (no residents)."""
    from django.contrib.auth.hashers import make_password
    from django.db import transaction

    from beatbook.accounts.models import Role, User
    from beatbook.registry.models import Beat, Community, Station

    t0 = time.perf_counter()
    names = communities if communities is not None else community_names(n, seed)
    count = _beat_count(n, beats)
    with transaction.atomic():
        station, _ = Station.objects.get_or_create(name=station_name, defaults={"code": "SYN"})
        beat_rows = [
            Beat.objects.get_or_create(station=station, name=f"合成第{k + 1:02d}警务区")[0]
            for k in range(count)
        ]
        created = Community.objects.bulk_create(
            [Community(beat=beat_rows[k % count], name=name) for k, name in enumerate(names)]
        )
        infos = [
            BeatInfo(
                id=b.pk,
                name=b.name,
                officer=None,
                community_ids=[c.pk for c in created if c.beat_id == b.pk],
            )
            for b in beat_rows
        ]
        hashed = make_password(password) if password else None
        chief = None
        if officers:
            for k, (beat, info) in enumerate(zip(beat_rows, infos, strict=True)):
                user = User(
                    username=f"synth-officer-{k + 1:02d}",
                    role=Role.OFFICER,
                    display_name=f"合成民警{k + 1:02d}",
                    station=station,
                )
                if hashed:
                    user.password = hashed
                else:
                    user.set_unusable_password()
                user.save()
                user.beats.set([beat])
                info.officer = user.username
            chief_user = User(
                username="synth-chief", role=Role.CHIEF, display_name="合成所长", station=station
            )
            if hashed:
                chief_user.password = hashed
            else:
                chief_user.set_unusable_password()
            chief_user.save()
            chief = chief_user.username
    return Summary(
        station_id=station.pk,
        beats=infos,
        chief=chief,
        password=password,
        counts={"communities": len(created)},
        seconds=time.perf_counter() - t0,
    )


class _Writer:
    """Appends rows to one table: executemany on SQLite, COPY on PostgreSQL."""

    def __init__(self, connection: Any, table: str, columns: list[str]) -> None:
        self.connection = connection
        self.table = table
        self.columns = columns
        self.rows: list[tuple[Any, ...]] = []
        self.pg = connection.vendor == "postgresql"
        cols = ", ".join(connection.ops.quote_name(c) for c in columns)
        if self.pg:
            self.sql = f"COPY {connection.ops.quote_name(table)} ({cols}) FROM STDIN"
        else:
            marks = ", ".join("?" * len(columns))
            self.sql = f"INSERT INTO {connection.ops.quote_name(table)} ({cols}) VALUES ({marks})"

    def add(self, row: tuple[Any, ...]) -> None:
        self.rows.append(row)
        if len(self.rows) >= 20_000:
            self.flush()

    def flush(self) -> None:
        if not self.rows:
            return
        self.connection.ensure_connection()
        raw = self.connection.connection
        if self.pg:
            with raw.cursor() as cur, cur.copy(self.sql) as copy:
                for row in self.rows:
                    copy.write_row(row)
        else:
            raw.executemany(self.sql, self.rows)
        self.rows.clear()


def _next_id(model: Any) -> int:
    from django.db.models import Max

    return (model.objects.aggregate(m=Max("id"))["m"] or 0) + 1


def _reset_sequences(connection: Any, models: list[Any]) -> None:
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cur:
        for model in models:
            table = model._meta.db_table
            cur.execute(
                f"SELECT setval(pg_get_serial_sequence(%s, 'id'), "
                f"COALESCE((SELECT MAX(id) FROM {connection.ops.quote_name(table)}), 1))",
                [table],
            )


def populate(
    n: int,
    *,
    seed: int = 0,
    station_name: str = DEFAULT_STATION,
    beats: int | None = None,
    officers: bool = True,
    password: str | None = None,
    residences: bool = True,
    premises: bool = True,
    progress: bool = False,
) -> Summary:
    """Write ``n`` synthetic residents straight into the configured database, fast.

    The same people and addresses as ``rows(n, seed)``, plus what the import
    format cannot say: vacant flats, ~3 % of people moved out
    (``moved_out_on`` set; they are the rows ``rows`` marks 已迁出), a
    residence-history row per resident (``residences``), 2-6 premises per
    compound (``premises``), and the lease holder of a rented flat as its head.

    Creates (into a database without synthetic data yet; the community names
    and usernames must be free):

    * station ``station_name``; ``beats`` beats (default n // 50,000, between 2
      and 20; 1,000,000 residents → 20 beats of ~50,000), community k in beat
      k mod beats;
    * with ``officers``: one community officer per beat (``synth-officer-01``…,
      role officer, assigned to that beat) and a station chief ``synth-chief``,
      with ``password`` (or unusable passwords: use ``force_login`` or a token);
    * the compounds, buildings, entrances, flats, residents (``derived_fields``
      set for every row), residences and premises; one audit entry
      ``synth.populate``.

    Rows are written with ``executemany`` (SQLite) or ``COPY`` (PostgreSQL) in
    chunks of 20,000, with explicit ids (sequences are reset afterwards), all
    in one transaction. Returns a :class:`Summary`: ``station_id``, ``beats``
    (id, name, officer username, community ids, resident count each),
    ``chief``, ``password``, ``counts`` (communities, compounds, buildings,
    entrances, flats, residents, moved_out, residences, premises) and
    ``seconds`` (wall time).
    """
    from django.db import connection, transaction
    from django.utils import timezone

    from beatbook.core import audit
    from beatbook.registry.models import (
        Building,
        Community,
        Compound,
        Entrance,
        Flat,
        Premises,
        Residence,
        Resident,
        Station,
    )

    t0 = time.perf_counter()
    pg = connection.vendor == "postgresql"
    counts: dict[str, int] = dict.fromkeys(
        (
            "compounds",
            "buildings",
            "entrances",
            "flats",
            "residents",
            "moved_out",
            "residences",
            "premises",
        ),
        0,
    )
    with transaction.atomic():
        summary = jurisdiction(
            n,
            seed=seed,
            station_name=station_name,
            beats=beats,
            officers=officers,
            password=password,
            communities=[],  # created below as the walk reaches them
        )
        community_ids: dict[str, int] = {}
        beat_of_community: dict[int, int] = {}
        residents_in_beat: dict[int, int] = {}

        now = timezone.now()
        stamp: Any = now if pg else now.astimezone(dt.UTC).replace(tzinfo=None).isoformat(sep=" ")
        derived_keys = list(
            Resident.derived_fields(name="张三", id_number="110101199003071234", phones=[])
        )
        resident_cols = [
            "id",
            "flat_id",
            "name",
            "document_type",
            "id_number",
            "passport_country",
            "sex",
            "birth_date",
            "phones",
            "phones_text",
            "population_type",
            "relation",
            "is_head",
            "ethnicity",
            "occupation",
            "notes",
            "moved_in_on",
            "moved_out_on",
            "created_at",
            "updated_at",
        ]
        derived_keys = [k for k in derived_keys if k not in resident_cols]
        resident_cols += [Resident._meta.get_field(k).column for k in derived_keys]
        flat_w = _Writer(
            connection,
            Flat._meta.db_table,
            [
                "id",
                "building_id",
                "entrance_id",
                "room",
                "floor",
                "status",
                "address",
                "area_m2",
                "notes",
            ],
        )
        resident_w = _Writer(connection, Resident._meta.db_table, resident_cols)
        residence_w = _Writer(
            connection,
            Residence._meta.db_table,
            [
                "resident_id",
                "flat_id",
                "relation",
                "is_head",
                "moved_in_on",
                "moved_out_on",
                "reason",
            ],
        )
        flat_id = _next_id(Flat)
        resident_id = _next_id(Resident)
        # On an empty registry, the residents' named indexes (search keys) are
        # built once at the end: much faster than growing them row by row.
        deferred = list(Resident._meta.indexes) if resident_id == 1 else []
        editor = connection.schema_editor()  # only to write SQL, never entered
        editor.deferred_sql = []
        with connection.cursor() as cur:
            for index in deferred:
                cur.execute(str(index.remove_sql(Resident, editor)))
        rng = random.Random(f"synth-premises:{seed}")
        mobiles = _mobile_prefixes()

        def day(d: dt.date | None) -> Any:
            return d if (pg or d is None) else d.isoformat()

        def flag(b: bool) -> Any:
            return b if pg else int(b)

        current: CompoundPlan | None = None
        buildings: dict[str, int] = {}
        entrances: dict[tuple[str, str], int] = {}
        for home in homes(n, seed):
            plan = home.compound
            if plan is not current:
                current = plan
                if plan.community not in community_ids:
                    info = summary.beats[plan.community_index % len(summary.beats)]
                    community = Community.objects.create(beat_id=info.id, name=plan.community)
                    community_ids[plan.community] = community.pk
                    beat_of_community[community.pk] = info.id
                    info.community_ids.append(community.pk)
                    summary.counts["communities"] += 1
                community_id = community_ids[plan.community]
                compound = Compound.objects.create(
                    community_id=community_id,
                    name=plan.name,
                    address=plan.address,
                    property_manager=f"{plan.name[:2]}物业服务有限公司",
                    property_phone="+86" + rng.choice(mobiles) + f"{rng.randrange(10**7):07d}",
                )
                made = Building.objects.bulk_create(
                    [
                        Building(compound=compound, number=b[0], floors=b[2], sort_key=int(b[0]))
                        for b in plan.buildings
                    ]
                )
                buildings = {b.number: b.pk for b in made}
                made_e = Entrance.objects.bulk_create(
                    [
                        Entrance(building_id=buildings[b[0]], number=str(e), sort_key=e)
                        for b in plan.buildings
                        for e in range(1, b[1] + 1)
                    ]
                )
                numbers = {b.pk: b.number for b in made}
                entrances = {(numbers[e.building_id], e.number): e.pk for e in made_e}
                counts["compounds"] += 1
                counts["buildings"] += len(made)
                counts["entrances"] += len(made_e)
                if premises:
                    shops = []
                    for k in range(rng.randint(2, 6)):
                        label, kind = rng.choice(_PREMISES)
                        surname = rng.choices(
                            [s for s, _ in SURNAMES],
                            cum_weights=list(itertools.accumulate(w for _, w in SURNAMES)),
                        )[0]
                        number = rng.choice(list(buildings))
                        shops.append(
                            Premises(
                                community_id=community_id,
                                compound=compound,
                                building_id=buildings[number],
                                name=f"{plan.name[:2]}{label}" if k == 0 else f"{surname}记{label}",
                                kind=kind,
                                address=f"{plan.name}{number}号楼底商{k + 1}号",
                                contact_name=surname
                                + rng.choice(_MALE_CHARS + _FEMALE_CHARS)
                                + rng.choice(_MALE_CHARS + _FEMALE_CHARS),
                                contact_phone="+86"
                                + rng.choice(mobiles)
                                + f"{rng.randrange(10**7):07d}",
                            )
                        )
                    Premises.objects.bulk_create(shops)
                    counts["premises"] += len(shops)
            address = f"{plan.name}{home.building}号楼{home.entrance}单元{home.room}"
            flat_w.add(
                (
                    flat_id,
                    buildings[home.building],
                    entrances[(home.building, home.entrance)],
                    home.room,
                    home.floor,
                    home.status,
                    address,
                    home.area_m2,
                    "长期空置" if home.status == "vacant" else "",
                )
            )
            beat_id = beat_of_community[community_ids[plan.community]]
            for p in home.people:
                phones = [p.phone] if p.phone else []
                derived = Resident.derived_fields(name=p.name, id_number=p.id_number, phones=phones)
                resident_w.add(
                    (
                        resident_id,
                        flat_id,
                        p.name,
                        "id_card",
                        p.id_number,
                        "",
                        p.sex,
                        day(p.birth_date),
                        json.dumps(phones),
                        Resident.phones_text_of(phones),
                        p.population_type,
                        p.relation,
                        flag(p.is_head),
                        p.ethnicity,
                        p.occupation,
                        p.notes,
                        day(p.moved_in_on),
                        day(p.moved_out_on),
                        stamp,
                        stamp,
                        *(derived[k] for k in derived_keys),
                    )
                )
                if residences:
                    residence_w.add(
                        (
                            resident_id,
                            flat_id,
                            p.relation,
                            flag(p.is_head),
                            day(p.moved_in_on),
                            day(p.moved_out_on),
                            "registered" if p.moved_out_on is None else "moved out",
                        )
                    )
                    counts["residences"] += 1
                resident_id += 1
                counts["residents"] += 1
                counts["moved_out"] += p.moved_out_on is not None
                residents_in_beat[beat_id] = residents_in_beat.get(beat_id, 0) + 1
            flat_id += 1
            counts["flats"] += 1
            if progress and counts["flats"] % 50_000 == 0:
                print(
                    f"  … {counts['residents']:,} residents, {time.perf_counter() - t0:.0f} s",
                    flush=True,
                )
        # flats before residents before residences: foreign keys are checked per row on SQLite
        flat_w.flush()
        resident_w.flush()
        residence_w.flush()
        _reset_sequences(connection, [Flat, Resident, Residence])
        with connection.cursor() as cur:
            if pg:  # foreign keys are checked at commit: check them now, before DDL
                cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for index in deferred:
                cur.execute(str(index.create_sql(Resident, editor)))
        for info in summary.beats:
            info.residents = residents_in_beat.get(info.id, 0)
        counts["communities"] = summary.counts["communities"]
        audit.record(
            actor=None,
            action="synth.populate",
            obj=Station.objects.get(pk=summary.station_id),
            extra={"counts": counts, "seed": seed},
        )
    summary.counts = counts
    summary.seconds = time.perf_counter() - t0
    return summary


def _main() -> None:
    import argparse
    import os
    import tempfile

    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("what", choices=("csv", "xlsx", "populate"))
    parser.add_argument("path", nargs="?")
    parser.add_argument("-n", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--postgres", help="populate: a PostgreSQL URL whose database may be dropped"
    )
    args = parser.parse_args()
    t0 = time.perf_counter()
    if args.what in ("csv", "xlsx"):
        if not args.path:
            parser.error("a file path is needed")
        (write_csv if args.what == "csv" else write_xlsx)(args.path, args.n, args.seed)
        print(f"{args.n:,} rows written to {args.path} in {time.perf_counter() - t0:.1f} s")
        return
    home = tempfile.mkdtemp(prefix="beatbook-synth-")
    if args.postgres:
        import psycopg

        base, _, name = args.postgres.rpartition("/")
        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
    os.environ["DATABASE_URL"] = args.postgres or f"sqlite:///{home}/synth.sqlite3"
    os.environ["BEATBOOK_HOME"] = home
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "beatbook.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    summary = populate(args.n, seed=args.seed, progress=True)
    print(
        f"populate({args.n:,}) on {connection.vendor}: {summary.seconds:.1f} s; "
        f"{summary.counts}; {len(summary.beats)} beats"
    )


if __name__ == "__main__":
    _main()
