"""Console tests see the repository's themes only."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _only_repo_themes(monkeypatch, tmp_path):
    """Tests see the repository's themes only, never a user's theme folder."""
    monkeypatch.delenv("DMCONSOLE_THEMES", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
