"""Exit 0 if a PostgreSQL server answers at the URL given, else say so and exit 1.

Used by `make test-postgres`; prints the URL without its password.
"""

from __future__ import annotations

import sys
from urllib.parse import urlsplit, urlunsplit


def redacted(url: str) -> str:
    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
        parts = parts._replace(netloc=netloc)
    return urlunsplit(parts)


def main() -> int:
    url = sys.argv[1]
    try:
        import psycopg

        psycopg.connect(url, connect_timeout=3).close()
    except Exception as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        print(f"SKIPPED: PostgreSQL tests — no server at {redacted(url)} ({reason})")
        return 1
    print(f"PostgreSQL at {redacted(url)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
