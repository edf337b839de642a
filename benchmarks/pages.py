"""Page and API timings on the demo data, a reference beside ours.

    .venv/bin/python benchmarks/pages.py [--runs N] [--quick] [--postgres URL]

Loads the demo (one station, ~4,400 residents, the 1,443-household compound
新市民公寓) into a scratch SQLite database (and a scratch PostgreSQL database
when --postgres is given), then times the officer's main pages and API calls
in-process through Django's test client: median and 95th percentile over N
runs, with the number of SQL queries per request.

The reference is the same data read the straightforward way, as a naive ORM
implementation would (one query per row for heads of household and counts);
it runs in the same process on the same database so the two are comparable.
Never run by CI (`make bench`).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _setup(database_url: str, home: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ["BEATBOOK_HOME"] = home
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "beatbook.settings")
    os.environ["ALLOWED_HOSTS"] = "testserver"
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("migrate", verbosity=0)
    from beatbook.registry import demo

    t0 = time.perf_counter()
    demo.load(password="bench-password-1")
    print(f"demo loaded in {time.perf_counter() - t0:.2f} s")


def _time(fn: Callable[[], object], runs: int) -> tuple[float, float, int]:
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    fn()  # warm caches (templates, scope)
    with CaptureQueriesContext(connection) as ctx:
        fn()
    queries = len(ctx.captured_queries)
    samples = []
    for _ in range(runs):
        reset_queries()
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1000)
    samples.sort()
    p95 = samples[min(len(samples) - 1, int(len(samples) * 0.95))]
    return statistics.median(samples), p95, queries


def run(runs: int) -> list[tuple[str, float, float, int]]:
    from django.test import Client
    from django.urls import reverse
    from rest_framework.test import APIClient

    from beatbook.accounts.models import User
    from beatbook.accounts.services import token_for
    from beatbook.registry.models import Building, Flat, Resident

    officer_b = User.objects.get(username="officer-b")
    page = Client()
    page.force_login(officer_b)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token_for(actor=None, user=officer_b).key}")

    big = max(
        Building.objects.filter(compound__name="新市民公寓"),
        key=lambda b: Flat.objects.filter(building=b).count(),
    )
    resident = Resident.objects.filter(flat__building=big).order_by("id")[123]

    def get(client: Client, url: str, **params: object) -> Callable[[], object]:
        def call() -> object:
            response = client.get(url, params)
            assert response.status_code == 200, (url, response.status_code)
            return response

        return call

    def naive_grid() -> object:
        """Reference: the grid read row by row (heads and counts per flat)."""
        cells = []
        for flat in Flat.objects.filter(building=big).order_by("entrance_id", "-floor", "room"):
            head = Resident.objects.filter(
                flat=flat, is_head=True, moved_out_on__isnull=True
            ).first()
            count = Resident.objects.filter(flat=flat, moved_out_on__isnull=True).count()
            cells.append(
                (
                    flat.address,
                    flat.entrance.number if flat.entrance_id else "",
                    head and head.name,
                    count,
                )
            )
        return cells

    def ours_grid() -> object:
        from beatbook.registry.selectors import building_grid

        return building_grid(user=officer_b, building=big)

    def naive_api_residents() -> object:
        """Reference: 500 residents serialised reading each one's flat separately."""
        rows = []
        for r in Resident.objects.filter(
            flat__building__compound__community__beat__in=officer_b.beats.all()
        )[:500]:
            rows.append((r.pk, r.name, Flat.objects.get(pk=r.flat_id).address))
        return rows

    flats_in_big = Flat.objects.filter(building=big).count()
    cases: list[tuple[str, Callable[[], object]]] = [
        ("page  my beat", get(page, reverse("registry:my-beat"))),
        (
            f"page  building grid ({flats_in_big} flats)",
            get(page, reverse("registry:building-detail", args=[big.pk])),
        ),
        (
            "page  resident search by name",
            get(page, reverse("registry:resident-list"), q=resident.name),
        ),
        (
            "page  resident search by ID number",
            get(page, reverse("registry:resident-list"), q=resident.id_number),
        ),
        (
            "page  resident detail (audited read)",
            get(page, reverse("registry:resident-detail", args=[resident.pk])),
        ),
        ("api   residents, 500 a page", get(api, reverse("api:resident-list"), page_size=500)),
        (
            "api   flats of the building",
            get(api, reverse("api:flat-list"), building=big.pk, page_size=500),
        ),
        (
            "api   resident detail (audited read)",
            get(api, reverse("api:resident-detail", args=[resident.pk])),
        ),
        ("ours  building grid selector", ours_grid),
        ("ref   building grid, row by row", naive_grid),
        ("ref   500 residents, flat per row", naive_api_residents),
    ]
    return [(name, *_time(fn, runs)) for name, fn in cases]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--quick", action="store_true", help="5 runs each")
    parser.add_argument(
        "--postgres", help="a PostgreSQL URL whose database may be dropped and re-created"
    )
    args = parser.parse_args()
    if args.quick:
        args.runs = 5
    home = tempfile.mkdtemp(prefix="beatbook-bench-")
    url = args.postgres or f"sqlite:///{home}/bench.sqlite3"
    if args.postgres:
        import psycopg

        base, _, name = args.postgres.rpartition("/")
        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
    _setup(url, home)
    from django.db import connection

    print(
        f"database: {connection.vendor}; {args.runs} runs each; times in ms (in-process, test client)"
    )
    print(f"{'case':44} {'median':>8} {'p95':>8} {'queries':>8}")
    for name, median, p95, queries in run(args.runs):
        print(f"{name:44} {median:8.1f} {p95:8.1f} {queries:8d}")


if __name__ == "__main__":
    main()
