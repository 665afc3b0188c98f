"""Fixtures shared by every test: the Emby simulator plugin."""

# Home Assistant's loader imports the package "custom_components" with the test harness's
# config directory first on sys.path, and that directory holds a package of the same name.
# Importing ours first makes the loader find this repository's integration in every test.
import custom_components  # noqa: F401

pytest_plugins = ["embysim.pytest_plugin"]
