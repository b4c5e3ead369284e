"""Real components the tests need: under CI a missing one fails, elsewhere it skips.

A test that needs a broker, a database, Request Tracker, a browser or openssl must never
pass as a skip in CI (``CI`` set); on a developer's machine without it, the tests that
need it are skipped with the reason printed.
"""

from __future__ import annotations

import os
from typing import NoReturn

import pytest


def unavailable(what: str, reason: str) -> NoReturn:
    """Fail under CI, skip elsewhere, naming ``what`` is missing and why."""
    if os.environ.get("CI"):
        pytest.fail(f"{what} is required under CI: {reason}", pytrace=False)
    print(f"skipping the tests that need {what}: {reason}")
    pytest.skip(f"{what} is not available: {reason}")
