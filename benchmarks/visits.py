"""Visits at city scale: coverage of a beat and a community, and the worklist page.

    .venv/bin/python benchmarks/visits.py [--quick] [--runs N] [-n RESIDENTS]
                                          [--visits V] [--postgres URL]

Fills a scratch database (SQLite in a temp dir, or the PostgreSQL database
named by --postgres, dropped and re-created) with ``synth.populate(n)`` —
1,000,000 residents by default, 20 beats of ~50,000 — then adds visit rounds
and V visits (100,000 by default): a beat-wide round over the beat of the
largest community (~50,000 residents), three quarters done with some
households tried or refused; the rest of the visits in the rounds of other
communities (one each); a few hundred follow-ups and a care list for that
beat's officer.

Then times, in-process (median and 95th percentile over N runs, with the
number of SQL queries): the coverage of the whole beat and of its largest
community (selector and API), coverage per building (the round page), the
officer's worklist page, tonight's plan, and the building grid coloured by
the round. The reference is the same coverage computed the plain way: every
visit of the round loaded and folded in Python. ``--quick``: 20,000 residents, 5,000 visits, 5 runs.
Never run by CI (``make bench``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

TARGET = "p95 ≤ 100 ms"


def _setup(url: str, home: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ["BEATBOOK_HOME"] = home
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "beatbook.settings")
    os.environ["ALLOWED_HOSTS"] = "testserver"
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("migrate", verbosity=0)


def _time(fn: Callable[[], object], runs: int) -> tuple[float, float, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    fn()  # warm caches (templates, the user's scope)
    with CaptureQueriesContext(connection) as ctx:
        fn()
    queries = len(ctx.captured_queries)
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1000)
    samples.sort()
    p95 = samples[min(len(samples) - 1, int(len(samples) * 0.95))]
    return statistics.median(samples), p95, queries


def _visits(n_visits: int, seed: int = 0) -> dict[str, Any]:
    """Rounds for every community, ``n_visits`` visits, follow-ups, a care list."""
    from django.db import connection, transaction
    from django.db.models import Count, Q
    from django.utils import timezone

    from beatbook.accounts.models import User
    from beatbook.registry.models import Building, Community, Flat, FlatStatus
    from beatbook.visits import rules
    from beatbook.visits.models import (
        FollowUp,
        Household,
        Outcome,
        Round,
        RoundKind,
        RoundScope,
        Visit,
    )

    rng = random.Random(f"bench-visits:{seed}")
    now = timezone.now()
    today = rules.local_date(now)
    communities = list(
        Community.objects.annotate(
            residents=Count(
                "compounds__buildings__flats__residents",
                filter=Q(compounds__buildings__flats__residents__moved_out_on__isnull=True),
            )
        ).order_by("-residents", "id")
    )
    target = communities[0]
    officer = User.objects.filter(beats=target.beat_id).order_by("id").first()
    assert officer is not None
    t0 = time.perf_counter()
    with transaction.atomic():
        # the target beat (~50,000 residents at 1,000,000) has one beat-wide
        # round; every other community a round of its own
        beat_round = Round.objects.create(
            name="目标警务区常规走访",
            kind=RoundKind.ROUTINE,
            scope=RoundScope.BEAT,
            beat_id=target.beat_id,
            start_date=today - dt.timedelta(days=30),
            end_date=today + dt.timedelta(days=10),
            created_by=officer,
        )
        others = [c for c in communities if c.beat_id != target.beat_id]
        rounds = Round.objects.bulk_create(
            [
                Round(
                    name=f"{c.name}常规走访",
                    kind=RoundKind.ROUTINE,
                    scope=RoundScope.COMMUNITY,
                    community=c,
                    start_date=today - dt.timedelta(days=30),
                    end_date=today + dt.timedelta(days=10 + i % 20),
                    created_by=officer,
                )
                for i, c in enumerate(others)
            ]
        )
        plan = [(beat_round, Q(building__compound__community__beat_id=target.beat_id))] + [
            (r, Q(building__compound__community_id=r.community_id)) for r in rounds
        ]
        rows: list[Visit] = []
        budget = n_visits
        households = 0
        for round_, where in plan:
            if budget <= 0:
                break
            flats = list(
                Flat.objects.filter(where)
                .exclude(status=FlatStatus.VACANT)
                .values_list("id", flat=True)
                .order_by("id")
            )
            if round_ == beat_round:
                households = len(flats)
            for flat_id in flats:
                if budget <= 0:
                    break
                roll = rng.random()
                if roll > 0.85:
                    continue  # not yet
                outcomes = (
                    [Outcome.VISITED]
                    if roll < 0.7
                    else [Outcome.NOBODY_HOME]
                    if roll < 0.8
                    else [Outcome.NOBODY_HOME, Outcome.VISITED]
                    if roll < 0.83
                    else [Outcome.REFUSED]
                )
                for k, outcome in enumerate(outcomes):
                    at = now - dt.timedelta(days=20 - 5 * k, minutes=rng.randrange(10_000))
                    rows.append(
                        Visit(
                            flat_id=flat_id,
                            round=round_,
                            outcome=outcome,
                            visited_at=at,
                            notes="一切正常" if outcome == Outcome.VISITED else "",
                            author=officer,
                        )
                    )
                    budget -= 1
        Visit.objects.bulk_create(rows, batch_size=5000)
        through = Visit.visitors.through
        through.objects.bulk_create(
            [through(visit_id=v.pk, user_id=officer.pk) for v in rows], batch_size=10_000
        )
        beat_flats = list(
            Flat.objects.filter(building__compound__community__beat_id=target.beat_id)
            .exclude(status=FlatStatus.VACANT)
            .values_list("id", flat=True)
            .order_by("id")[:: max(1, 100)]
        )
        Household.objects.bulk_create(
            [
                Household(
                    flat_id=fid,
                    elderly_alone=True,
                    care_every_days=14,
                    care_since=today - dt.timedelta(days=60),
                )
                for fid in beat_flats
            ]
        )
        FollowUp.objects.bulk_create(
            [
                FollowUp(
                    flat_id=fid,
                    task="回访",
                    due_date=today + dt.timedelta(days=rng.randint(-10, 10)),
                    assignee=officer,
                    created_by=officer,
                )
                for fid in beat_flats[:300]
            ]
        )
        if connection.vendor == "postgresql":
            with connection.cursor() as cur:
                cur.execute("ANALYZE")
    biggest = (
        Building.objects.filter(compound__community=target)
        .annotate(n=Count("flats"))
        .order_by("-n", "id")
        .first()
    )
    return {
        "target": target,
        "round": beat_round,
        "officer": officer,
        "households": households,
        "visits": len(rows),
        "care": len(beat_flats),
        "building": biggest,
        "seconds": time.perf_counter() - t0,
    }


def run(data: dict[str, Any], runs: int) -> list[tuple[str, float, float, int]]:
    from django.test import Client
    from django.urls import reverse
    from rest_framework.test import APIClient

    from beatbook.registry.models import Flat, FlatStatus
    from beatbook.visits import coverage as cov
    from beatbook.visits import selectors
    from beatbook.visits.models import Visit

    officer = data["officer"]
    round_ = data["round"]
    target = data["target"]
    page = Client()
    page.force_login(officer)
    api = APIClient()
    api.force_authenticate(officer)

    def get(client: Any, url: str, **params: object) -> Callable[[], object]:
        def call() -> object:
            response = client.get(url, params)
            assert response.status_code == 200, (url, response.status_code)
            return response

        return call

    beat_id = target.beat_id

    def ours_beat() -> object:
        return selectors.coverage(user=officer, round_=round_, level="beat", target=beat_id)

    def ours_community() -> object:
        return selectors.coverage(user=officer, round_=round_, level="community", target=target.pk)

    def reference() -> object:
        """Every visit of the round loaded and folded in Python, flat by flat."""
        flats = dict(
            Flat.objects.filter(building__compound__community__beat_id=beat_id).values_list(
                "id", "status"
            )
        )
        latest: dict[int, tuple[Any, str]] = {}
        visited: set[int] = set()
        for flat_id, at, outcome in Visit.objects.filter(
            round=round_, superseded=False
        ).values_list("flat_id", "visited_at", "outcome"):
            if outcome == "visited":
                visited.add(flat_id)
            if flat_id not in latest or at > latest[flat_id][0]:
                latest[flat_id] = (at, outcome)
        tally = cov.Tally()
        for flat_id, status in flats.items():
            tally.add(
                cov.state_of(
                    flat_vacant=status == FlatStatus.VACANT,
                    any_visited=flat_id in visited,
                    latest_outcome=latest.get(flat_id, (None, None))[1],
                )
            )
        return tally

    assert ours_beat().as_dict() == reference().as_dict()  # type: ignore[attr-defined]
    beat_households = Flat.objects.filter(building__compound__community__beat_id=beat_id).count()
    households = Flat.objects.filter(building__compound__community=target).count()
    building = data["building"]
    cases: list[tuple[str, Callable[[], object]]] = [
        (f"ours  coverage, beat ({beat_households:,} households)", ours_beat),
        (f"ours  coverage, community ({households:,} households)", ours_community),
        (
            "api   GET rounds/<id>/coverage/?beat=",
            get(api, reverse("api:round-coverage", args=[round_.pk]), beat=beat_id),
        ),
        ("page  worklist (the beat's round)", get(page, reverse("visits:worklist"))),
        (
            "page  its coverage box (loaded after the list)",
            get(page, reverse("visits:round-coverage", args=[round_.pk])),
        ),
        ("page  tonight's plan", get(page, reverse("visits:tonight"))),
        (
            "page  round: coverage per building",
            get(page, reverse("visits:round-detail", args=[round_.pk])),
        ),
        (
            f"page  building grid by round ({building.flats.count()} flats)",
            get(page, reverse("registry:building-detail", args=[building.pk]), round=round_.pk),
        ),
        (
            "api   visits of the round, 50 a page",
            get(api, reverse("api:visit-list"), round=round_.pk),
        ),
        ("ref   coverage of the beat folded in Python", reference),
    ]
    return [(name, *_time(fn, runs)) for name, fn in cases]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("-n", type=int, default=1_000_000, help="residents")
    parser.add_argument("--visits", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument(
        "--quick", action="store_true", help="20,000 residents, 5,000 visits, 5 runs"
    )
    parser.add_argument(
        "--postgres", help="a PostgreSQL URL whose database may be dropped and re-created"
    )
    args = parser.parse_args()
    if args.quick:
        args.n, args.visits, args.runs = 20_000, 5_000, 5
    home = tempfile.mkdtemp(prefix="beatbook-bench-visits-")
    url = args.postgres or f"sqlite:///{home}/bench.sqlite3"
    if args.postgres:
        import psycopg

        base, _, name = args.postgres.rpartition("/")
        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
    _setup(url, home)
    import synth
    from django.db import connection

    summary = synth.populate(args.n)
    print(
        f"populate({args.n:,}) on {connection.vendor}: {summary.seconds:.0f} s; "
        f"{summary.counts['flats']:,} flats; {len(summary.beats)} beats"
    )
    data = _visits(args.visits)
    target = data["target"]
    from beatbook.registry.models import Resident

    current = Resident.objects.filter(moved_out_on__isnull=True)
    in_beat = current.filter(flat__building__compound__community__beat_id=target.beat_id).count()
    in_community = current.filter(flat__building__compound__community=target).count()
    print(
        f"{data['visits']:,} visits, {data['care']} care households, 300 follow-ups in "
        f"{data['seconds']:.0f} s; the beat's round: {in_beat:,} residents, "
        f"{data['households']:,} households to visit; its largest community {target.name}: "
        f"{in_community:,} residents"
    )
    print(f"database: {connection.vendor}; {args.runs} runs each; times in ms; target {TARGET}")
    print(f"{'case':52} {'median':>8} {'p95':>8} {'queries':>8}")
    for name, median, p95, queries in run(data, args.runs):
        print(f"{name:52} {median:8.1f} {p95:8.1f} {queries:8d}")


if __name__ == "__main__":
    main()
