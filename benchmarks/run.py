"""Beatbook benchmarks: one command (`make bench`), every suite, figures printed.

    .venv/bin/python benchmarks/run.py [--only a,b] [--quick] [--postgres URL]

Runs each suite below as its own process (each sets up its own scratch
databases) and prints what it measures beside the reference it is compared
with. `--quick` asks every suite for a small size (a smoke run, not figures to
quote); `--postgres URL` names a PostgreSQL database the suites may drop and
re-create (default: postgres://postgres@localhost:5432/beatbook_bench when a
server answers there). Never run by CI.

Suites are `benchmarks/<name>.py` scripts taking `--quick` and `--postgres URL`.
The shared synthetic-data generator is `benchmarks/synth.py`.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
#: in the order they run; a suite whose script does not exist yet is skipped
SUITES = ["pages", "import_scale", "search_scale", "visits", "sensing", "alerts", "notify"]
DEFAULT_PG = "postgres://postgres@localhost:5432/beatbook_bench"


def _postgres_reachable(url: str) -> bool:
    try:
        import psycopg

        base, _, _name = url.rpartition("/")
        with psycopg.connect(f"{base}/postgres", connect_timeout=2):
            return True
    except Exception:
        return False


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--only", help="comma-separated suites (default: all)")
    parser.add_argument("--quick", action="store_true", help="small sizes, a smoke run")
    parser.add_argument("--postgres", default=DEFAULT_PG)
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    suites = args.only.split(",") if args.only else SUITES
    postgres = None if args.no_postgres else args.postgres
    if postgres and not _postgres_reachable(postgres):
        print(f"PostgreSQL not reachable at {postgres}: its figures are skipped")
        postgres = None
    import os

    print(f"machine: {os.cpu_count()} cores; python {sys.version.split()[0]}")
    failed = []
    for suite in suites:
        script = HERE / f"{suite}.py"
        if not script.exists():
            print(f"\n== {suite}: not written yet, skipped")
            continue
        print(f"\n== {suite}", flush=True)
        cmd = [sys.executable, str(script)]
        if args.quick:
            cmd.append("--quick")
        if postgres:
            cmd += ["--postgres", postgres]
        t0 = time.perf_counter()
        rc = subprocess.call(cmd)
        print(
            f"== {suite}: {'ok' if rc == 0 else f'FAILED (exit {rc})'} in {time.perf_counter() - t0:.0f} s"
        )
        if rc:
            failed.append(suite)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
