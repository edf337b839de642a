"""Resident import at scale, beside the database's own bulk loader.

    .venv/bin/python benchmarks/import_scale.py [--quick] [-n N] [--postgres URL] [--profile]

Writes N synthetic residents (default 1,000,000; --quick 20,000) as CSV with
benchmarks/synth.py, then, on a scratch database:

* times ``beatbook import residents`` of that file (validated: every row's ID
  number, phone, address, relation; structure created; one transaction) in a
  child process, and that child's peak memory (``ru_maxrss``), also for a
  file a fifth of the size, to show that memory stays flat as the file grows;
* times the reference: ``sqlite3``'s own ``.import`` of the same CSV into a
  bare table (the sqlite3 command-line tool; Python's sqlite3 executemany
  when the tool is absent, said in the output), and with --postgres,
  PostgreSQL's ``COPY`` of the same CSV into a bare table;
* prints the ratio (the issue's target: ≤ 10× the raw load) and where the
  time of our import goes (per phase; with --profile, cProfile's top entries).

Never run by CI (`make bench`).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))


# --- the child: one import, measured ------------------------------------------------------


def child(database_url: str, home: str, csv_path: str, n: int, profile: bool) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ["BEATBOOK_HOME"] = home
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "beatbook.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    import synth

    synth.jurisdiction(n, officers=False)
    from beatbook.exchange import services

    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    profiler = None
    if profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    t0 = time.perf_counter()
    report = services.residents_import(
        actor=None, rows_source=services.ImportFile.of(csv_path), dry_run=False
    )
    seconds = time.perf_counter() - t0
    if profiler is not None:
        import io
        import pstats

        profiler.disable()
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(25)
        sys.stderr.write(out.getvalue())
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {
                "seconds": seconds,
                "rows": report.rows,
                "created": report.created,
                "rejected": len(report.rejected),
                "stored": report.stored,
                "baseline_kib": baseline,
                "peak_kib": peak,
                "phases": dict(services.PHASE_SECONDS),
                "sqlite_cache_kib": services.SQLITE_CACHE_KIB,
            }
        )
    )


def run_child(database_url: str, csv_path: Path, n: int, profile: bool) -> dict[str, Any]:
    home = tempfile.mkdtemp(prefix="bench-import-home-")
    try:
        cmd = [sys.executable, __file__, "--child", database_url, home, str(csv_path), str(n)]
        if profile:
            cmd.append("--profile")
        done = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if profile:
            sys.stdout.write(done.stderr)
        if done.returncode != 0:
            sys.stderr.write(done.stderr)
            raise SystemExit(f"the import child failed ({done.returncode})")
        return json.loads(done.stdout.strip().splitlines()[-1])
    finally:
        shutil.rmtree(home, ignore_errors=True)


# --- references ------------------------------------------------------------------------------


def sqlite_reference(csv_path: Path, workdir: Path) -> tuple[float, str]:
    """Seconds for sqlite3's own CSV import of the file into a bare table."""
    db = workdir / "reference.sqlite3"
    db.unlink(missing_ok=True)
    tool = shutil.which("sqlite3")
    if tool:
        t0 = time.perf_counter()
        subprocess.run(
            [tool, str(db), "-cmd", ".mode csv", f".import {csv_path} residents"],
            check=True,
            capture_output=True,
        )
        return time.perf_counter() - t0, "sqlite3 CLI .import"
    import csv
    import sqlite3

    t0 = time.perf_counter()
    conn = sqlite3.connect(db)
    with csv_path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        cols = ", ".join(f'"{h}"' for h in header)
        conn.execute(f"CREATE TABLE residents ({cols})")
        marks = ", ".join("?" * len(header))
        conn.executemany(f"INSERT INTO residents VALUES ({marks})", reader)
    conn.commit()
    conn.close()
    return time.perf_counter() - t0, "Python sqlite3 executemany (no sqlite3 CLI here)"


def postgres_reference(url: str, csv_path: Path, header: list[str]) -> float:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        cols = ", ".join(f'"{h}" text' for h in header)
        conn.execute("DROP TABLE IF EXISTS bench_raw_residents")
        conn.execute(f"CREATE TABLE bench_raw_residents ({cols})")
        t0 = time.perf_counter()
        with (
            conn.cursor() as cur,
            cur.copy("COPY bench_raw_residents FROM STDIN WITH (FORMAT csv, HEADER true)") as copy,
            csv_path.open("rb") as fh,
        ):
            fh.read(3)  # the BOM
            while block := fh.read(1 << 20):
                copy.write(block)
        seconds = time.perf_counter() - t0
        conn.execute("DROP TABLE bench_raw_residents")
    return seconds


def scratch_postgres(url: str) -> tuple[str, Any]:
    """A new database next to ``url``'s, and a function that drops it."""
    import psycopg

    name = f"bench_import_{uuid.uuid4().hex[:8]}"
    base = url.rsplit("/", 1)[0]
    admin = f"{base}/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return f"{base}/{name}", drop


# --- the report ------------------------------------------------------------------------------


def _mib(kib: int) -> float:
    return kib / 1024


def show(label: str, result: dict[str, Any], reference: float, ref_label: str) -> None:
    secs = result["seconds"]
    print(
        f"  {label}: {result['rows']:,} rows in {secs:.1f} s "
        f"({result['rows'] / secs:,.0f} rows/s), created {result['created']:,}, "
        f"rejected {result['rejected']}"
    )
    print(f"  reference, {ref_label}: {reference:.2f} s")
    print(f"  ratio: {secs / reference:.1f}x  (target ≤ 10x)")
    print("  where our time goes (seconds per phase):")
    for phase, value in sorted(result["phases"].items(), key=lambda kv: -kv[1]):
        print(f"    {phase:<34} {value:7.2f}  {100 * value / secs:4.0f} %")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="20,000 rows")
    parser.add_argument("-n", type=int, default=None, help="rows (default 1,000,000)")
    parser.add_argument("--postgres", metavar="URL", help="also on PostgreSQL (scratch database)")
    parser.add_argument("--profile", action="store_true", help="cProfile the large import")
    parser.add_argument("--no-memory", action="store_true", help="skip the smaller file")
    args = parser.parse_args()
    n = args.n or (20_000 if args.quick else 1_000_000)
    small = max(1_000, n // 5)

    import synth

    workdir = Path(tempfile.mkdtemp(prefix="bench-import-"))
    try:
        print(f"machine: {os.cpu_count()} cores; Python {sys.version.split()[0]}")
        t0 = time.perf_counter()
        big = synth.write_csv(workdir / f"residents-{n}.csv", n)
        print(
            f"wrote {n:,} synthetic residents as CSV ({big.stat().st_size / 1e6:.0f} MB) "
            f"in {time.perf_counter() - t0:.1f} s"
        )
        reference, ref_label = sqlite_reference(big, workdir)
        print("\nSQLite")
        sqlite_db = workdir / "beatbook.sqlite3"
        result = run_child(f"sqlite:///{sqlite_db}", big, n, args.profile)
        show("beatbook import residents", result, reference, ref_label)
        sqlite_db.unlink(missing_ok=True)
        memory = [(n, result)]
        if not args.no_memory:
            small_csv = synth.write_csv(workdir / f"residents-{small}.csv", small)
            small_db = workdir / "small.sqlite3"
            memory.insert(0, (small, run_child(f"sqlite:///{small_db}", small_csv, small, False)))
            small_db.unlink(missing_ok=True)
        print("  peak memory of the importing process (ru_maxrss):")
        for rows, r in memory:
            print(
                f"    {rows:>9,} rows: {_mib(r['peak_kib']):6.0f} MiB "
                f"(before the import: {_mib(r['baseline_kib']):.0f} MiB; "
                f"import's own: {_mib(r['peak_kib'] - r['baseline_kib']):.0f} MiB)"
            )
        print(
            "    (held between the sizes, measured with tracemalloc: the search keys' per-name\n"
            "    caches in beatbook/search/keys.py, bounded at 200,000 names each, and SQLite's\n"
            f"    page cache, fixed at {_mib(result['sqlite_cache_kib']):.0f} MiB while importing; the import keeps one chunk)"
        )
        if args.postgres:
            print("\nPostgreSQL")
            url, drop = scratch_postgres(args.postgres)
            try:
                copy_seconds = postgres_reference(url, big, list(synth.HEADERS))
                pg = run_child(url, big, n, False)
            finally:
                drop()
            show("beatbook import residents", pg, copy_seconds, "COPY of the same CSV")
            print(f"  peak memory: {_mib(pg['peak_kib']):.0f} MiB")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        _db, _home, _csv, _n = sys.argv[2:6]
        child(_db, _home, _csv, int(_n), "--profile" in sys.argv)
    else:
        main()
