"""Fixtures shared by the Home Assistant tests of Emby Connect."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Let Home Assistant load custom_components/emby_connect in every test."""
