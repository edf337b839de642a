"""The coverage rule, plain (no database)."""

from __future__ import annotations

from decimal import Decimal

from beatbook.visits import coverage as cov


def test_visited_wins_over_any_later_outcome() -> None:
    assert cov.state_of(flat_vacant=True, any_visited=True, latest_outcome="moved") == cov.VISITED


def test_vacant_from_flat_status_or_latest_visit() -> None:
    assert cov.state_of(flat_vacant=True, any_visited=False, latest_outcome=None) == cov.VACANT
    assert cov.state_of(flat_vacant=False, any_visited=False, latest_outcome="vacant") == cov.VACANT
    assert cov.state_of(flat_vacant=False, any_visited=False, latest_outcome="moved") == cov.VACANT
    # a vacant flat stays vacant whatever the latest non-visit says
    assert cov.state_of(flat_vacant=True, any_visited=False, latest_outcome="refused") == cov.VACANT


def test_refused_tried_and_not_yet_from_latest() -> None:
    assert (
        cov.state_of(flat_vacant=False, any_visited=False, latest_outcome="refused") == cov.REFUSED
    )
    assert (
        cov.state_of(flat_vacant=False, any_visited=False, latest_outcome="nobody_home")
        == cov.TRIED
    )
    assert cov.state_of(flat_vacant=False, any_visited=False, latest_outcome=None) == cov.NOT_YET


def test_coverage_divides_visited_by_households_not_vacant() -> None:
    assert cov.coverage(households=48, vacant=3, visited=45) == Decimal("1.0000")
    assert cov.coverage(households=3, vacant=0, visited=1) == Decimal("0.3333")
    assert cov.coverage(households=3, vacant=0, visited=2) == Decimal("0.6667")
    assert cov.coverage(households=10, vacant=2, visited=0) == Decimal("0")


def test_coverage_is_none_without_households_to_visit() -> None:
    assert cov.coverage(households=0, vacant=0, visited=0) is None
    assert cov.coverage(households=4, vacant=4, visited=0) is None


def test_tally_folds_grouped_facts() -> None:
    tally = cov.tally(
        [
            cov.Facts(flat_vacant=False, any_visited=True, latest_outcome="visited", count=45),
            cov.Facts(flat_vacant=True, any_visited=False, latest_outcome=None, count=2),
            cov.Facts(flat_vacant=False, any_visited=False, latest_outcome="moved", count=1),
            cov.Facts(flat_vacant=False, any_visited=False, latest_outcome="nobody_home", count=3),
            cov.Facts(flat_vacant=False, any_visited=False, latest_outcome="refused", count=1),
            cov.Facts(flat_vacant=False, any_visited=False, latest_outcome=None, count=4),
        ]
    )
    assert tally.as_dict() == {
        "households": 56,
        "vacant": 3,
        "visited": 45,
        "tried": 3,
        "refused": 1,
        "not_yet": 4,
        "coverage": 0.8491,
    }
    assert tally.pending == 7
    assert cov.tally([]).as_dict()["coverage"] is None


def test_merge_adds_tallies() -> None:
    a = cov.tally([cov.Facts(False, True, "visited", 3), cov.Facts(True, False, None, 1)])
    b = cov.tally([cov.Facts(False, False, "nobody_home", 2)])
    merged = cov.merge([a, b])
    assert merged.as_dict()["households"] == 6 and merged.counts["tried"] == 2
    assert merged.coverage == cov.coverage(households=6, vacant=1, visited=3)
