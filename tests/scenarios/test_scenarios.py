"""Scenario scripts compared, whole, to transcripts: `.oracle.txt` recorded from a real kernel
(tests/oracle/record.sh), `.expected.txt` recorded from dmconsole for lab-only commands."""

from __future__ import annotations

import difflib

import pytest

from .harness import HERE, run_scenario, scenarios


def _compare(dmc, suffix: str, **kwargs) -> None:
    expected = (HERE / (dmc.stem + suffix)).read_text()
    got = run_scenario(dmc.read_text(), **kwargs)
    if got != expected:
        diff = "".join(difflib.unified_diff(expected.splitlines(True), got.splitlines(True), "kernel", "dmconsole"))
        pytest.fail(f"{dmc.name} differs from {suffix}:\n{diff}")


@pytest.mark.parametrize("dmc", scenarios(".oracle.txt"), ids=lambda p: p.stem)
def test_matches_kernel_transcript(dmc):
    _compare(dmc, ".oracle.txt")


@pytest.mark.parametrize("dmc", scenarios(".expected.txt"), ids=lambda p: p.stem)
def test_matches_recorded_transcript(dmc):
    _compare(dmc, ".expected.txt", dm_major=253)
