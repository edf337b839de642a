"""The coverage rule (no Django): each household's state in a round, and
coverage = visited ÷ (households − vacant).

A household is *visited* if any visit of the round says so; else *vacant* if
the flat's status is vacant or its latest visit in the round says vacant or
moved away; else *refused* or *tried* (nobody home) from its latest visit;
else *not yet*.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

VISITED = "visited"
TRIED = "tried"
REFUSED = "refused"
VACANT = "vacant"
NOT_YET = "not_yet"

#: display order of the states
STATES = (VISITED, TRIED, REFUSED, VACANT, NOT_YET)

#: visit outcomes (``Outcome`` values) and what a latest visit with each means
_LATEST = {
    "nobody_home": TRIED,
    "refused": REFUSED,
    "vacant": VACANT,
    "moved": VACANT,
}

#: states that still need a visit in the round
PENDING = frozenset({TRIED, NOT_YET})


def state_of(*, flat_vacant: bool, any_visited: bool, latest_outcome: str | None) -> str:
    """One household's state in a round."""
    if any_visited:
        return VISITED
    latest = _LATEST.get(latest_outcome or "")
    if flat_vacant or latest == VACANT:
        return VACANT
    return latest or NOT_YET


def coverage(*, households: int, vacant: int, visited: int) -> Decimal | None:
    """visited ÷ (households − vacant) to 4 decimals; None when no household counts."""
    divisor = households - vacant
    if divisor <= 0:
        return None
    return (Decimal(visited) / Decimal(divisor)).quantize(Decimal("0.0001"), ROUND_HALF_UP)


@dataclass(frozen=True)
class Facts:
    """What the database tells about a group of households: how many have
    this combination of flat vacancy, a visited visit and latest outcome."""

    flat_vacant: bool
    any_visited: bool
    latest_outcome: str | None
    count: int


@dataclass
class Tally:
    """Households by state, and the coverage figure."""

    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STATES, 0))

    def add(self, state: str, n: int = 1) -> None:
        self.counts[state] += n

    @property
    def households(self) -> int:
        return sum(self.counts.values())

    @property
    def coverage(self) -> Decimal | None:
        return coverage(
            households=self.households,
            vacant=self.counts[VACANT],
            visited=self.counts[VISITED],
        )

    @property
    def pending(self) -> int:
        return sum(self.counts[s] for s in PENDING)

    def as_dict(self) -> dict[str, int | float | None]:
        figure = self.coverage
        return {
            "households": self.households,
            "vacant": self.counts[VACANT],
            "visited": self.counts[VISITED],
            "tried": self.counts[TRIED],
            "refused": self.counts[REFUSED],
            "not_yet": self.counts[NOT_YET],
            "coverage": float(figure) if figure is not None else None,
        }


def merge(tallies: Iterable[Tally]) -> Tally:
    """One tally of several (buildings into their round)."""
    result = Tally()
    for part in tallies:
        for state, n in part.counts.items():
            result.add(state, n)
    return result


def tally(facts: Iterable[Facts]) -> Tally:
    """Fold grouped facts into a tally by state."""
    result = Tally()
    for fact in facts:
        result.add(
            state_of(
                flat_vacant=fact.flat_vacant,
                any_visited=fact.any_visited,
                latest_outcome=fact.latest_outcome,
            ),
            fact.count,
        )
    return result
