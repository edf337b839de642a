"""The one-box search: residents, flats and premises in the user's scope, ranked.

A query is read every way it can mean something (``parsing.parse``); each
reading is a *tier* of index look-ups, run in rank order:

1. exact ID number / document number or phone (either of a resident's first two);
2. exact name (simplified: ``張偉`` finds ``张伟`` and the other way round);
3. name prefix, then given-name prefix (``修文`` finds ``欧阳修文``);
4. pinyin prefix (``zhangwei``, ``zhang``), then initials (``zw``);
5. last 4-6 characters of an ID number, last 4-8 digits of a phone;
6. flats by address (``6-2-301``, ``6号楼2单元301``, ``富贵佳园6栋301``, a
   compound name → its flats);
7. premises by name, contact person or contact phone.

Within a resident tier, current residents come before those who moved out
(who are found, and marked). Every tier is one query that walks an index in
order under the user's scope and stops at the rows the page needs, so a page
costs a bounded number of queries whatever the size of the registry; later
tiers run only while the page is not full.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db import connections
from django.db.models import BigIntegerField, F, Func, Q, QuerySet
from django.urls import reverse

from beatbook.core.scoping import scope_of
from beatbook.registry.idnumbers import mask_id_number
from beatbook.registry.models import Flat, Premises, Resident
from beatbook.search import keys, parsing
from beatbook.search.parsing import AddressQuery, Query, parse

__all__ = ["MAX_RESULTS", "Result", "SearchPage", "resident_q", "search"]

#: results beyond this rank are not offered (narrow the query instead)
MAX_RESULTS = 1000
MAX_LIMIT = 100


@dataclass(frozen=True)
class Result:
    type: str  # "resident", "flat" or "premises"
    id: int
    label: str
    address: str
    moved_out: bool
    url: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "id": self.id,
            "label": self.label,
            "address": self.address,
            "moved_out": self.moved_out,
            "url": self.url,
        }


@dataclass(frozen=True)
class SearchPage:
    query: str
    results: list[Result]
    offset: int
    limit: int
    #: whether results follow this page
    has_more: bool


# --- conditions -------------------------------------------------------------------


@functools.cache
def _code_point_order(alias: str = "default") -> bool:
    """Whether the database compares text in code point order (SQLite; PostgreSQL
    under the C, POSIX or C.UTF-8 collations): then a prefix is exactly an
    index range."""
    connection = connections[alias]
    if connection.vendor == "sqlite":
        return True
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT datcollate FROM pg_database WHERE datname = current_database()")
        row = cursor.fetchone()
    return bool(row) and str(row[0]).split(".")[0].upper() in ("C", "POSIX")


def _prefix_q(field: str, prefix: str) -> Q:
    """``field`` starts with ``prefix``, written as an index range, which every
    backend walks in key order. Under another collation a ``startswith`` is
    added to decide (a planner then misjudges how many rows the range holds,
    so it is left out where the range alone is exact)."""
    q = Q(**{f"{field}__gte": prefix})
    upper = keys.prefix_upper_bound(prefix)
    if upper is not None:
        q &= Q(**{f"{field}__lt": upper})
    if not _code_point_order():
        q &= Q(**{f"{field}__startswith": prefix})
    return q


def _exact_q(query: Query) -> Q | None:
    q = Q()
    if query.document:
        q |= Q(id_number=query.document)
    if query.phone:
        reversed_phone = keys.reversed_phone(query.phone)
        q |= Q(phone_reversed=reversed_phone) | Q(phone2_reversed=reversed_phone)
    return q or None


def _flat_q(address: AddressQuery, prefix: str = "") -> Q | None:
    """Flats at this address (``prefix`` is the path to the flat, e.g. 'flat__')."""
    if address.building is None:
        if not address.compound:
            return None
        return _prefix_q(f"{prefix}address", address.compound)
    q = Q(**{f"{prefix}building__number": address.building})
    if address.compound:
        q &= Q(**{f"{prefix}building__compound__name__startswith": address.compound})
    if address.entrance:
        q &= Q(**{f"{prefix}entrance__number": address.entrance})
    if address.room:
        q &= Q(**{f"{prefix}room": address.room})
    return q


def resident_q(text: str) -> Q | None:
    """Every resident the one-box search would find for ``text``, as one
    condition (for lists with their own order: the resident list page and
    ``?search=`` on the residents API). None when the text means nothing."""
    query = parse(text)
    if query.empty:
        return None
    q = Q()
    for tier in _resident_tiers(query):
        q |= tier.condition
    if query.address is not None:
        flats = _flat_q(query.address)
        if flats is not None:
            q |= Q(flat_id__in=Flat.objects.filter(flats).values("id"))
    return q or Q(pk__in=[])


def _premises_q(query: Query) -> Q:
    words = query.words or query.text
    q = Q(name__icontains=words) | Q(contact_name__startswith=words)
    if query.phone:
        q |= Q(contact_phone=query.phone)
    if query.phone_tail:
        q |= Q(contact_phone__endswith=query.phone_tail[::-1])
    return q


# --- the search -----------------------------------------------------------------------

#: one tier: fetch up to n results
Tier = Callable[[int], list[Result]]


#: rows read beyond a page, so that the few who moved out rarely leave it short
SLACK = 8


def _url(name: str) -> Callable[[int], str]:
    """``reverse(name, args=[pk])`` without resolving the pattern for every row."""
    marker = 987654321
    template = reverse(name, args=[marker])
    return lambda pk: template.replace(str(marker), str(pk))


class _Unindexed(Func):
    """``+column``: the same value, which a planner cannot look up by index."""

    template = "+%(expressions)s"
    output_field = BigIntegerField()


def _in_scope(user: Any, model: type[Resident] | type[Flat], path: str) -> QuerySet[Any]:
    """``model`` rows in the user's scope (``path`` leads to the row's building),
    filtered so that a planner reads the search index first.

    The rule is ``Scope.building_q``'s, with its columns written as ``+column``
    expressions that no index can serve: the database then walks the tier's
    index in key order, checks each row's building by primary key and stops
    when the page is full, instead of reading the whole scope (~50,000
    residents for an officer at a million) and sorting it. A user with single
    buildings only (a building head) has a small scope: the flats in it become
    a set, and the index is walked against that set.
    """
    scope = scope_of(user)
    qs = model.objects.all()
    if not scope.sees_residents:
        return qs.none()
    if not scope.community_ids:
        flats = Flat.objects.visible_to(user).values("id")
        flat_id = "id" if model is Flat else "flat_id"
        return qs.alias(_flat=_Unindexed(F(flat_id))).filter(_flat__in=flats)
    return qs.filter(scope.building_q(path, column=_Unindexed))


@dataclass(frozen=True)
class _ResidentTier:
    """Residents found by one walk of one index: ``condition`` in ``order``.

    ``parts`` split the tier in rank order when one walk serves several
    ranks (an exact name, then longer names starting with it: the exact rows
    come first in key order); ``part_of(key)`` tells a row's part from its
    key. Within each part, current residents come before those who moved out.
    """

    condition: Q
    order: tuple[str, ...]
    parts: tuple[Q, ...] = ()
    part_of: Callable[[Any], int] | None = None


def _resident_tiers(query: Query) -> Iterator[_ResidentTier]:
    exact = _exact_q(query)
    if exact is not None:
        yield _ResidentTier(exact, ("id",))
    if query.name:
        name = query.name
        same = Q(name_simplified=name)
        yield _ResidentTier(
            _prefix_q("name_simplified", name),
            ("name_simplified", "id"),
            parts=(same, _prefix_q("name_simplified", name) & ~same),
            part_of=lambda key: 0 if key == name else 1,
        )
        # given names have one or two characters
        if keys.is_han(name[0]) and len(name) <= 2:
            yield _ResidentTier(_prefix_q("name_given", name), ("name_given", "id"))
    if query.pinyin:
        if parsing.could_be_pinyin(query.pinyin):
            yield _ResidentTier(_prefix_q("name_pinyin", query.pinyin), ("name_pinyin", "id"))
        if len(query.pinyin) <= parsing.MAX_INITIALS:
            yield _ResidentTier(_prefix_q("name_initials", query.pinyin), ("name_initials", "id"))
    # tails: a few dozen rows at most, in one walk of up to three indexes
    tails = Q()
    if query.id_tail:
        tails |= _prefix_q("id_reversed", query.id_tail)
    if query.phone_tail:
        tails |= _prefix_q("phone_reversed", query.phone_tail)
        tails |= _prefix_q("phone2_reversed", query.phone_tail)
    if tails:
        yield _ResidentTier(tails, ("id",))


def _resident_fetch(user: Any, tier: _ResidentTier) -> Tier:
    """The tier's rows in the user's scope, a page at a time (usually one query)."""
    url = _url("registry:resident-detail")
    parts = tier.parts or (tier.condition,)

    def part_of(key: Any) -> int:
        return tier.part_of(key) if tier.part_of else 0

    def rows(qs: QuerySet[Resident], n: int) -> list[tuple[int, Result]]:
        found = qs.order_by(*tier.order).values_list(
            "id", "name", "id_number", "flat__address", "moved_out_on", tier.order[0]
        )[:n]
        return [
            (
                part_of(key),
                Result(
                    type="resident",
                    id=pk,
                    label=f"{name} {mask_id_number(id_number)}",
                    address=address,
                    moved_out=moved_out_on is not None,
                    url=url(pk),
                ),
            )
            for pk, name, id_number, address, moved_out_on, key in found
        ]

    def current_first(qs: QuerySet[Resident], n: int) -> list[Result]:
        current = [r for _, r in rows(qs.filter(moved_out_on__isnull=True), n)]
        if len(current) < n:
            current += [r for _, r in rows(qs.filter(moved_out_on__isnull=False), n - len(current))]
        return current

    def fetch(n: int) -> list[Result]:
        scoped = _in_scope(user, Resident, "flat__building")
        # The tier in key order, a few rows more than the page: a part is
        # complete when a later part (or the end of the tier) shows in them;
        # of an incomplete part only the current residents can be taken (a few
        # in a hundred have moved out, and they come after).
        found = rows(scoped.filter(tier.condition), n + SLACK)
        exhausted = len(found) < n + SLACK
        out: list[Result] = []
        for part in range(len(parts)):
            group = [r for p, r in found if p == part]
            complete = exhausted or any(p > part for p, _ in found)
            current = [r for r in group if not r.moved_out]
            if complete:
                out += current + [r for r in group if r.moved_out]
                continue
            if len(out) + len(current) >= n:
                return (out + current)[:n]
            # the page needs more of this part than the rows read: ask for them
            for rest in parts[part:]:
                if len(out) >= n:
                    break
                out += current_first(scoped.filter(rest), n - len(out))
            return out
        return out

    return fetch


def _flat_tier(user: Any, condition: Q, *, prefix: bool) -> Tier:
    url = _url("registry:flat-detail")

    def fetch(n: int) -> list[Result]:
        # an address prefix walks the address index; parts (building, room…)
        # are few flats that the planner finds from the scope's buildings
        flats = _in_scope(user, Flat, "building") if prefix else Flat.objects.visible_to(user)
        rows = flats.filter(condition).order_by("address", "id").values_list("id", "address")[:n]
        return [
            Result(
                type="flat",
                id=pk,
                label=address,
                address=address,
                moved_out=False,
                url=url(pk),
            )
            for pk, address in rows
        ]

    return fetch


def _premises_tier(user: Any, condition: Q) -> Tier:
    url = _url("registry:premises-detail")

    def fetch(n: int) -> list[Result]:
        rows = (
            Premises.objects.visible_to(user)
            .filter(condition)
            .order_by("name", "id")
            .values_list("id", "name", "address", "contact_name")[:n]
        )
        return [
            Result(
                type="premises",
                id=pk,
                label=f"{name} ({contact})" if contact else name,
                address=address,
                moved_out=False,
                url=url(pk),
            )
            for pk, name, address, contact in rows
        ]

    return fetch


def _tiers(user: Any, query: Query) -> Iterator[Tier]:
    for tier in _resident_tiers(query):
        yield _resident_fetch(user, tier)
    if query.address is not None:
        flats = _flat_q(query.address)
        if flats is not None:
            yield _flat_tier(user, flats, prefix=query.address.building is None)
    # premises have names, contact people and phones (not ID numbers or rooms)
    if query.name or query.pinyin or query.phone or query.phone_tail or query.has_words:
        yield _premises_tier(user, _premises_q(query))


def search(*, user: Any, q: str, limit: int = 20, offset: int = 0) -> SearchPage:
    """One page of what ``q`` finds in the user's scope, best first.

    Results are ``Result(type, id, label, address, moved_out, url)``; a
    resident's label shows the ID number masked. ``offset`` + ``limit`` stop at
    :data:`MAX_RESULTS`. A bounded number of queries (at most one per tier,
    usually one or two), none per result.
    """
    limit = max(1, min(int(limit), MAX_LIMIT))
    offset = max(0, min(int(offset), MAX_RESULTS))
    query = parse(q)
    if query.empty or not scope_of(user).sees_residents:
        return SearchPage(query=query.text, results=[], offset=offset, limit=limit, has_more=False)
    want = min(offset + limit, MAX_RESULTS) + 1
    found: list[Result] = []
    seen: set[tuple[str, int]] = set()
    for tier in _tiers(user, query):
        need = want - len(found)
        if need <= 0:
            break
        # as many more as could be duplicates of what is already found
        for result in tier(need + len(seen)):
            key = (result.type, result.id)
            if key not in seen:
                seen.add(key)
                found.append(result)
    end = min(offset + limit, MAX_RESULTS)
    return SearchPage(
        query=query.text,
        results=found[offset:end],
        offset=offset,
        limit=limit,
        has_more=len(found) > end and end < MAX_RESULTS,
    )
