"""Add up the JUnit reports of `make test`'s steps into one closing line.

Prints one line per step that ran, then `total: N passed, N failed, N skipped`.
"""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ET  # noqa: S405 - our own pytest's reports
from pathlib import Path


def counts(path: Path) -> tuple[int, int, int]:
    root = ET.parse(path).getroot()  # noqa: S314
    suites = [root] if root.tag == "testsuite" else list(root.iter("testsuite"))
    tests = failed = skipped = 0
    for suite in suites:
        tests += int(suite.get("tests", 0))
        failed += int(suite.get("failures", 0)) + int(suite.get("errors", 0))
        skipped += int(suite.get("skipped", 0))
    return tests - failed - skipped, failed, skipped


def main() -> int:
    folder = Path(sys.argv[1])
    total = [0, 0, 0]
    for step in ("sqlite", "postgres", "browser"):
        path = folder / f"{step}.xml"
        if not path.exists():
            continue
        passed, failed, skipped = counts(path)
        print(f"{step}: {passed} passed, {failed} failed, {skipped} skipped")
        total = [total[0] + passed, total[1] + failed, total[2] + skipped]
    print(f"total: {total[0]} passed, {total[1]} failed, {total[2]} skipped")
    return 1 if total[1] else 0


if __name__ == "__main__":
    sys.exit(main())
