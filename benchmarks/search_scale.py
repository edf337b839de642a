"""One-box search at scale: latency through the API at 1,000,000 residents.

    .venv/bin/python benchmarks/search_scale.py [--quick] [--postgres URL]
        [-n N] [--queries N] [--reuse DIR]

Populates a scratch database with ``synth.populate(n)`` (1,000,000 residents
in 20 beats; ``--quick``: 50,000), then sends a mixed set of queries (names,
name prefixes, pinyin, initials, full ID numbers and their last 4-6
characters, phones and their last 4 digits, addresses in three forms, compound
names) to ``GET /api/v1/search/`` through the in-process test client, as the
officer of one beat and as the station chief, and prints p50/p95/p99 and the
queries per request. Beside it, the reference: the naive scan the search
replaces (``icontains`` on name, ID number, phones and address under the same
scope), on a sample of the same queries. Also the scoped resident list page
(``/registry/residents/``), first page and with a search, time and queries.

``--postgres URL`` runs the same on PostgreSQL (the database is dropped and
re-created). ``--reuse DIR`` keeps the SQLite database in DIR and reuses it
when it is already populated (for repeated runs), and then reuses a populated
PostgreSQL database too. Never run by CI.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))


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


def _populate(n: int) -> None:
    import synth
    from django.db import connection

    from beatbook.registry.models import Resident

    if Resident.objects.exists():
        print(f"reusing the populated database ({Resident.objects.count():,} residents)")
        return
    summary = synth.populate(n)
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
    print(
        f"populate({n:,}) on {connection.vendor}: {summary.seconds:.1f} s "
        f"({summary.counts['flats']:,} flats, {summary.counts['compounds']} compounds, "
        f"{len(summary.beats)} beats, {summary.counts['moved_out']:,} moved out)"
    )


def _queries(officer: Any, count: int, seed: int = 1) -> list[tuple[str, str]]:
    """(kind, query): 80 % drawn from the officer's beat, 20 % from anywhere."""
    from beatbook.registry.models import Resident
    from beatbook.search import keys

    rng = random.Random(seed)
    mine = Resident.objects.visible_to(officer).values_list("id", flat=True)
    ids_mine = list(mine.order_by("id")[:200_000])
    lo, hi = (
        Resident.objects.order_by("id").values_list("id", flat=True)[:1][0],
        (Resident.objects.order_by("-id").values_list("id", flat=True)[:1][0]),
    )
    picks = [
        rng.choice(ids_mine) if rng.random() < 0.8 else rng.randint(lo, hi) for _ in range(count)
    ]
    people = {
        r.pk: r
        for r in Resident.objects.filter(pk__in=set(picks)).select_related(
            "flat__building__compound", "flat__entrance"
        )
    }
    kinds = [
        ("name", 16),
        ("name prefix", 4),
        ("traditional", 2),
        ("pinyin", 10),
        ("pinyin prefix", 4),
        ("initials", 10),
        ("id", 8),
        ("id tail", 10),
        ("phone", 8),
        ("phone tail", 8),
        ("address b-e-r", 6),
        ("address 号楼单元", 4),
        ("address 小区栋", 5),
        ("compound", 5),
    ]
    out: list[tuple[str, str]] = []
    for pk in picks:
        r = people.get(pk)
        if r is None:
            continue
        kind = rng.choices([k for k, _ in kinds], weights=[w for _, w in kinds])[0]
        flat = r.flat
        building = flat.building
        pinyin, initials = keys.pinyin_keys(r.name)
        entrance = flat.entrance.number if flat.entrance else ""
        phone = r.phones[0][3:] if r.phones else ""
        q = {
            "name": r.name,
            "name prefix": r.name[:2],
            "traditional": _traditional(r.name),
            "pinyin": pinyin,
            "pinyin prefix": pinyin[: rng.randint(3, 6)],
            "initials": initials,
            "id": r.id_number,
            "id tail": r.id_number[-rng.randint(4, 6) :],
            "phone": phone or r.id_number,
            "phone tail": phone[-4:] if phone else r.id_number[-4:],
            "address b-e-r": f"{building.number}-{entrance}-{flat.room}",
            "address 号楼单元": f"{building.number}号楼{entrance}单元{flat.room}",
            "address 小区栋": f"{building.compound.name}{building.number}栋{flat.room}",
            "compound": building.compound.name,
        }[kind]
        out.append((kind, q))
    return out[:count]


def _traditional(name: str) -> str:
    import opencc

    return str(opencc.OpenCC("s2t").convert(name))


def _percentiles(samples: list[float]) -> tuple[float, float, float]:
    s = sorted(samples)

    def at(p: float) -> float:
        return s[min(len(s) - 1, int(len(s) * p))]

    return statistics.median(s), at(0.95), at(0.99)


def _api_client(user: Any) -> Any:
    from rest_framework.test import APIClient

    from beatbook.accounts.services import token_for

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(actor=None, user=user).key}")
    return client


def _time_api(user: Any, queries: list[tuple[str, str]]) -> tuple[list[float], Counter[str], dict]:
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    client = _api_client(user)
    for _, q in queries[:20]:  # warm: templates, scope, caches
        client.get("/api/v1/search/", {"q": q})
    samples: list[float] = []
    cpu: list[float] = []
    by_kind: dict[str, list[float]] = {}
    for kind, q in queries:
        t0, c0 = time.perf_counter(), time.process_time()
        response = client.get("/api/v1/search/", {"q": q})
        ms = (time.perf_counter() - t0) * 1000
        cpu.append((time.process_time() - c0) * 1000)
        assert response.status_code == 200, (q, response.status_code)
        samples.append(ms)
        by_kind.setdefault(kind, []).append(ms)
    by_kind["(cpu time of this process)"] = cpu
    counts: Counter[str] = Counter()
    for _, q in queries[:200]:
        reset_queries()
        with CaptureQueriesContext(connection) as ctx:
            client.get("/api/v1/search/", {"q": q})
        counts[str(len(ctx.captured_queries))] += 1
    return samples, counts, by_kind


def _naive(user: Any, queries: list[tuple[str, str]]) -> list[float]:
    """Reference: the straightforward search, a substring scan of the scope."""
    from django.db.models import Q

    from beatbook.registry.models import Resident

    samples = []
    for _, q in queries:
        t0 = time.perf_counter()
        list(
            Resident.objects.visible_to(user)
            .filter(
                Q(name__icontains=q)
                | Q(id_number__icontains=q)
                | Q(phones_text__icontains=q)
                | Q(flat__address__icontains=q)
            )
            .select_related("flat")
            .order_by("id")[:20]
        )
        samples.append((time.perf_counter() - t0) * 1000)
    return samples


def _time_page(fn: Callable[[], Any], runs: int) -> tuple[float, int]:
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    fn()
    reset_queries()
    with CaptureQueriesContext(connection) as ctx:
        fn()
    queries = len(ctx.captured_queries)  # now: every request empties the log
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1000)
    return statistics.median(samples), queries


def run(n: int, count: int, naive_count: int) -> None:
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from beatbook.accounts.models import User
    from beatbook.registry.models import Resident

    officer = User.objects.get(username="synth-officer-01")
    chief = User.objects.get(username="synth-chief")
    in_beat = Resident.objects.visible_to(officer).count()
    queries = _queries(officer, count)
    print(
        f"database: {connection.vendor}; {Resident.objects.count():,} residents; officer "
        f"synth-officer-01 sees {in_beat:,}; {len(queries)} queries: "
        + ", ".join(f"{k} {v}" for k, v in sorted(Counter(k for k, _ in queries).items()))
    )
    print(f"{'GET /api/v1/search/?q=':40} {'p50':>7} {'p95':>7} {'p99':>7}  queries/request")
    for label, user in (("officer of one beat", officer), ("station chief", chief)):
        samples, counts, by_kind = _time_api(user, queries)
        p50, p95, p99 = _percentiles(samples)
        spread = ", ".join(f"{k}: {v}" for k, v in sorted(counts.items(), key=lambda x: int(x[0])))
        print(f"  {label:38} {p50:7.1f} {p95:7.1f} {p99:7.1f}  ({spread})")
        c50, c95, c99 = _percentiles(by_kind.pop("(cpu time of this process)"))
        print(f"    {'CPU time of this process':36} {c50:7.1f} {c95:7.1f} {c99:7.1f}")
        if label.startswith("officer"):
            for kind, kind_samples in sorted(by_kind.items()):
                k50, k95, _ = _percentiles(kind_samples)
                print(f"      {kind:34} {k50:7.1f} {k95:7.1f}  ({len(kind_samples)})")
    sample = queries[:: max(1, len(queries) // naive_count)][:naive_count]
    for label, user in (("officer of one beat", officer), ("station chief", chief)):
        p50, p95, p99 = _percentiles(_naive(user, sample))
        print(
            f"  ref: icontains scan, {label:21} {p50:7.1f} {p95:7.1f} {p99:7.1f}  ({len(sample)} queries)"
        )

    page = Client()
    page.force_login(officer)
    url = reverse("registry:resident-list")
    name = Resident.objects.visible_to(officer).order_by("id").values_list("name", flat=True)[100]
    print(f"{'scoped resident list page (officer)':40} {'median':>7} {'queries':>8}")
    for label, params in (
        ("/registry/residents/", {}),
        (f"/registry/residents/?q={name}", {"q": name}),
        ("/registry/residents/?q=zw", {"q": "zw"}),
        ("/registry/residents/?page=50", {"page": 50}),
    ):

        def get(params: dict[str, Any] = params) -> Any:
            response = page.get(url, params)
            assert response.status_code == 200
            return response

        try:
            median, nq = _time_page(get, 5)
        except Exception as exc:  # another app's page part may be broken: say so, go on
            print(f"  {label:38} failed: {exc!r}"[:160])
            continue
        print(f"  {label:38} {median:7.1f} {nq:8d}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="50,000 residents, 300 queries")
    parser.add_argument("-n", type=int, default=None, help="residents (default 1,000,000)")
    parser.add_argument("--queries", type=int, default=None, help="queries (default 1,000)")
    parser.add_argument("--postgres", help="also on this PostgreSQL database (dropped first)")
    parser.add_argument("--reuse", help="keep the SQLite database in this directory")
    args = parser.parse_args()
    n = args.n or (50_000 if args.quick else 1_000_000)
    count = args.queries or (300 if args.quick else 1000)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"machine: {os.cpu_count()} cores, load average {load:.1f} at the start; times in ms "
        "(wall clock; CPU time of this process beside, which includes SQLite's work but "
        "not PostgreSQL's); in-process test client"
    )
    targets = [("sqlite", None)]
    if args.postgres:
        targets.append(("postgresql", args.postgres))
    for vendor, url in targets:
        # each database in its own process (Django is set up once per process)
        if vendor == "postgresql":
            import subprocess

            cmd = [
                sys.executable,
                __file__,
                "-n",
                str(n),
                "--queries",
                str(count),
                "--only-pg",
                url,
            ]
            subprocess.check_call(cmd)
            continue
        home = args.reuse or tempfile.mkdtemp(prefix="beatbook-search-")
        Path(home).mkdir(parents=True, exist_ok=True)
        _setup(f"sqlite:///{home}/search.sqlite3", home)
        _populate(n)
        run(n, count, naive_count=30 if n >= 500_000 else 200)


def main_pg(url: str, n: int, count: int, reuse: bool = False) -> None:
    import psycopg

    base, _, name = url.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not (reuse and exists):
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
    home = tempfile.mkdtemp(prefix="beatbook-search-")
    _setup(url, home)
    _populate(n)
    run(n, count, naive_count=30 if n >= 500_000 else 200)


if __name__ == "__main__":
    if "--only-pg" in sys.argv:
        p = argparse.ArgumentParser()
        p.add_argument("-n", type=int)
        p.add_argument("--queries", type=int)
        p.add_argument("--only-pg")
        p.add_argument("--reuse-pg", action="store_true")
        a = p.parse_args()
        main_pg(a.only_pg, a.n, a.queries, reuse=a.reuse_pg)
    else:
        main()
