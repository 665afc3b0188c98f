"""Fixtures shared by every test: the Emby simulator plugin."""

pytest_plugins = ["embysim.pytest_plugin"]
