"""Fixtures of the registry tests (the ``world`` is in beatbook/conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from beatbook.core import audit


@pytest.fixture
def audit_chain_stays_valid(db: Any) -> Iterator[None]:
    """After the test, the audit log's hash chain still verifies (use with ``usefixtures``)."""
    yield
    result = audit.verify()
    assert result.ok, result
