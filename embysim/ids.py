"""Make ids and secrets: random by default, reproducible with a seed."""

from __future__ import annotations

import random
import secrets


class IdFactory:
    """Make hex ids, tokens and numeric ids (seeded for reproducible demos and tests)."""

    def __init__(self, seed: int | None = None) -> None:
        """Use the system's secure source, or a seeded generator when a seed is given."""
        # A seeded generator is for reproducible simulations only; nothing here guards real data.
        self._rng = random.Random(seed) if seed is not None else None  # noqa: S311
        self._counter = 0

    def hex(self, nbytes: int = 16) -> str:
        """Return a lower-case hex string of nbytes random bytes (32 characters by default)."""
        if self._rng is None:
            return secrets.token_hex(nbytes)
        return self._rng.randbytes(nbytes).hex()

    def digits(self, count: int, *, leading_zero: bool = False) -> str:
        """Return count random decimal digits (the first one zero only if leading_zero)."""
        lowest = 0 if leading_zero else 1
        if self._rng is None:
            first = str(lowest + secrets.randbelow(10 - lowest))
            rest = "".join(str(secrets.randbelow(10)) for _ in range(count - 1))
        else:
            first = str(self._rng.randint(lowest, 9))
            rest = "".join(str(self._rng.randint(0, 9)) for _ in range(count - 1))
        return first + rest

    def sequence(self) -> int:
        """Return the next number of a counter shared by this factory."""
        self._counter += 1
        return self._counter
