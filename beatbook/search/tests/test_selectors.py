"""The one-box search over the ``world`` fixture and the search people."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from beatbook.core.scoping import scope_of
from beatbook.registry.idnumbers import mask_id_number
from beatbook.registry.models import Resident
from beatbook.registry.tests import factories as f
from beatbook.search import selectors
from beatbook.search.selectors import search


def found(user: Any, q: str, **kw: Any) -> list[tuple[str, int]]:
    return [(r.type, r.id) for r in search(user=user, q=q, **kw).results]


def residents(user: Any, q: str) -> list[int]:
    return [i for t, i in found(user, q) if t == "resident"]


@pytest.mark.parametrize("q", ["张伟", "張偉", " 张 伟 "])
def test_exact_name_simplified_or_traditional(world: Any, people: Any, q: str) -> None:
    ids = residents(world.officer_a, q)
    # exact name first (current, then moved out), then the longer name by prefix
    assert ids == [people.zhang_wei.pk, people.zhang_wei_moved.pk, people.zhang_wei_hua.pk]


def test_traditional_name_found_by_simplified(world: Any, people: Any) -> None:
    assert residents(world.officer_a, "张伟华") == [people.zhang_wei_hua.pk]
    assert residents(world.officer_a, "張偉華") == [people.zhang_wei_hua.pk]


def test_moved_out_found_and_marked(world: Any, people: Any) -> None:
    results = search(user=world.officer_a, q="张伟").results
    marked = {r.id: r.moved_out for r in results}
    assert marked[people.zhang_wei_moved.pk] is True
    assert marked[people.zhang_wei.pk] is False


def test_name_prefix_and_given_name(world: Any, people: Any) -> None:
    assert residents(world.officer_a, "欧阳") == [people.ouyang.pk]
    assert residents(world.officer_a, "修文") == [people.ouyang.pk]
    assert residents(world.officer_a, "欧阳修武") == []


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("zhangwei", ["zhang_wei", "zhang_wei_hua", "zhang_wei_moved"]),
        ("ZhangWei", ["zhang_wei", "zhang_wei_hua", "zhang_wei_moved"]),
        ("zhang wei hua", ["zhang_wei_hua"]),
        ("zeng", ["zeng"]),  # 曾 as a surname
        ("zw", ["zhang_wei", "zhang_wei_hua", "zhang_wei_moved"]),
        ("zxm", ["zeng"]),
        ("oyxw", ["ouyang"]),
    ],
)
def test_pinyin_and_initials(world: Any, people: Any, q: str, expected: list[str]) -> None:
    ids = residents(world.officer_a, q)
    want = {getattr(people, k).pk for k in expected}
    assert set(ids) == want
    # the moved-out 张伟 comes after the current residents of its tier
    if people.zhang_wei_moved.pk in want:
        assert ids[-1] == people.zhang_wei_moved.pk


def test_full_id_number(world: Any, people: Any) -> None:
    number = people.zhang_wei.id_number
    for q in (number, number.lower(), f"{number[:6]} {number[6:14]} {number[14:]}"):
        assert residents(world.officer_a, q) == [people.zhang_wei.pk], q


@pytest.mark.parametrize("n", [4, 5, 6])
def test_id_number_tails(world: Any, people: Any, n: int) -> None:
    for person in (people.zhang_wei, people.ouyang):
        tail = person.id_number[-n:]
        assert person.pk in residents(world.officer_a, tail), tail
        assert person.pk in residents(world.officer_a, tail.lower()), tail


def test_phones_and_tails(world: Any, people: Any) -> None:
    for q in ("13812345678", "138 1234 5678", "+86 138-1234-5678", "0571-88886666"):
        assert residents(world.officer_a, q) == [people.zhang_wei.pk], q
    assert residents(world.officer_a, "5678") == [people.zhang_wei.pk]
    assert residents(world.officer_a, "6666") == [people.zhang_wei.pk]  # the second phone
    assert residents(world.officer_a, "1381234567") == []


@pytest.mark.parametrize(
    "q", ["6-1-101", "6号楼1单元101", "六号楼一单元101室", "富贵佳园T6栋101", "富贵佳园T6-1-101"]
)
def test_addresses(world: Any, people: Any, q: str) -> None:
    assert ("flat", world.flat_a.pk) in found(world.officer_a, q)
    assert ("flat", world.flat_a_vacant.pk) not in found(world.officer_a, q)


def test_compound_name_finds_its_flats(world: Any, people: Any) -> None:
    flats = [i for t, i in found(world.officer_a, "富贵佳园T") if t == "flat"]
    assert flats == [world.flat_a.pk, world.flat_a_vacant.pk]  # in address order
    assert [i for t, i in found(world.officer_a, world.flat_a.address) if t == "flat"] == [
        world.flat_a.pk
    ]


def test_premises_by_name_contact_and_phone(world: Any) -> None:
    world.premises_a.contact_name = "周建华"
    world.premises_a.contact_phone = "+8613700001234"
    world.premises_a.save()
    for q in ("富贵超市", "超市", "周建华", "13700001234", "1234"):
        assert ("premises", world.premises_a.pk) in found(world.officer_a, q), q


def test_ranking_exact_before_prefix_before_address(world: Any, people: Any) -> None:
    other = f.ResidentFactory(flat=world.flat_a, name="富贵佳园T")  # a name that is an address
    results = found(world.officer_a, "富贵佳园T")
    assert results[0] == ("resident", other.pk)
    assert results[1:] == [("flat", world.flat_a.pk), ("flat", world.flat_a_vacant.pk)]


def test_labels_mask_id_numbers(world: Any, people: Any) -> None:
    for result in search(user=world.officer_a, q=people.zhang_wei.id_number).results:
        assert people.zhang_wei.id_number not in result.label
        assert mask_id_number(people.zhang_wei.id_number) in result.label
        assert result.address == world.flat_a.address
        assert result.url == reverse("registry:resident-detail", args=[people.zhang_wei.pk])


def test_pages(world: Any, people: Any) -> None:
    everyone = found(world.officer_a, "zw", limit=50)
    first = search(user=world.officer_a, q="zw", limit=2)
    second = search(user=world.officer_a, q="zw", limit=2, offset=2)
    assert [(r.type, r.id) for r in first.results + second.results] == everyone
    assert first.has_more and not second.has_more


def test_roles_without_residents_find_nothing(world: Any, people: Any) -> None:
    for user in (world.sysadmin, world.auditor):
        assert found(user, "张伟") == []
        assert found(user, "富贵佳园T") == []


def test_empty_query(world: Any) -> None:
    assert search(user=world.officer_a, q="   ").results == []


def test_a_constant_number_of_queries(world: Any, people: Any) -> None:
    scope_of(world.officer_a)
    search(user=world.officer_a, q="warm")  # the database's collation is read once

    def count(q: str) -> int:
        with CaptureQueriesContext(connection) as ctx:
            page = search(user=world.officer_a, q=q, limit=10)
        assert len(page.results) == 10
        return len(ctx.captured_queries)

    for n in range(12):
        f.ResidentFactory(flat=world.flat_a, name=f"张伟{n:02d}")
    small = (count("张伟"), count("zhangwei"))
    for n in range(12, 60):
        f.ResidentFactory(flat=world.flat_a, name=f"张伟{n:02d}")
    assert (count("张伟"), count("zhangwei")) == small
    assert max(small) <= 4


def test_resident_q_is_the_same_matching(world: Any, people: Any) -> None:
    """The resident list and ?search= use one condition with the same readings."""
    for q in ("張偉", "zw", people.ouyang.id_number[-4:], "5678", "6-1-101", "修文"):
        q_filter = selectors.resident_q(q)
        assert q_filter is not None
        listed = set(
            Resident.objects.visible_to(world.officer_a)
            .filter(q_filter)
            .values_list("id", flat=True)
        )
        assert listed == set(residents(world.officer_a, q)) or q == "6-1-101", q
    at_flat = Resident.objects.visible_to(world.officer_a).filter(selectors.resident_q("6-1-101"))
    assert set(at_flat) == set(Resident.objects.filter(flat=world.flat_a))


def test_pages_agree_with_the_whole_list_across_parts(world: Any, people: Any) -> None:
    """An exact name and longer names share one index walk; every page size
    gives the same order: exact current, exact moved out, then longer names."""
    many = [f.ResidentFactory(flat=world.flat_a, name="张伟").pk for _ in range(30)]
    whole = found(world.officer_a, "张伟", limit=100)
    exact_current = sorted([people.zhang_wei.pk, *many])
    assert [i for _, i in whole] == [
        *exact_current,
        people.zhang_wei_moved.pk,
        people.zhang_wei_hua.pk,
    ]
    for size in (1, 5, 7, 20, 31, 32):
        pages: list[tuple[str, int]] = []
        offset = 0
        while True:
            page = search(user=world.officer_a, q="张伟", limit=size, offset=offset)
            pages += [(r.type, r.id) for r in page.results]
            offset += size
            if not page.has_more:
                break
        assert pages == whole, size
