"""A missing real component fails the tests under CI and only skips them elsewhere."""

from __future__ import annotations

import pytest
from required import unavailable


def test_a_missing_component_fails_under_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    with pytest.raises(
        pytest.fail.Exception, match="the Kafka test broker is required under CI: gone"
    ):
        unavailable("the Kafka test broker", "gone")


def test_a_missing_component_skips_with_its_reason_elsewhere(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="the Kafka test broker is not available: gone"):
        unavailable("the Kafka test broker", "gone")
    assert "gone" in capsys.readouterr().out
