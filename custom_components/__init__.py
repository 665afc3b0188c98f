"""Custom integrations of this repository (a package, so tests import ours before any other)."""
