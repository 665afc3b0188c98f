"""Which servers this library talks to: Emby 4.7 or later, and nothing that is not Emby."""

from __future__ import annotations

import re

from .exceptions import EmbyUnsupportedServerError, UnsupportedReason
from .models import PublicSystemInfo

# The oldest Emby Server supported: every status call and the Connect exchange used here
# exist from 4.7 on.
MIN_SERVER_VERSION = (4, 7)
# Emby's apps refuse a server whose version is 8 or more ("ServerUpdateNeeded"): that is how
# Jellyfin (10.x), which answers the same System/Info/Public, shows up.
FIRST_FOREIGN_MAJOR_VERSION = 8
# A hostile server must not make messages huge.
_MAX_SHOWN = 64
_VERSION = re.compile(r"\s*(\d{1,9})(?:\.(\d{1,9}))?")


def parse_version(version: str | None) -> tuple[int, int] | None:
    """Return (major, minor) of a version such as "4.8.11.0", or None when it has none."""
    match = _VERSION.match(version or "")
    if match is None:
        return None
    return int(match.group(1)), int(match.group(2) or 0)


def check_supported(info: PublicSystemInfo) -> None:
    """Raise EmbyUnsupportedServerError unless the answer comes from a supported Emby Server.

    A server that names no version is given the benefit of the doubt (Emby always names it;
    refusing would only turn a broken answer into a misleading one).
    """
    version = info.version[:_MAX_SHOWN] if info.version else None
    product = info.product_name[:_MAX_SHOWN] if info.product_name else None
    if product is not None and "emby" not in product.lower():
        named = f"{product} {version}" if version else product
        message = f"Server {info.id[:_MAX_SHOWN]} is {named}, not Emby Server"
        raise EmbyUnsupportedServerError(
            message, reason=UnsupportedReason.NOT_EMBY, version=version, product_name=product
        )
    if (parsed := parse_version(version)) is None:
        return
    if parsed[0] >= FIRST_FOREIGN_MAJOR_VERSION:
        message = f"Server {info.id[:_MAX_SHOWN]} answers with version {version}: not Emby Server"
        raise EmbyUnsupportedServerError(
            message, reason=UnsupportedReason.NOT_EMBY, version=version, product_name=product
        )
    if parsed < MIN_SERVER_VERSION:
        oldest = ".".join(map(str, MIN_SERVER_VERSION))
        message = (
            f"Server {info.id[:_MAX_SHOWN]} runs Emby Server {version}; "
            f"the oldest supported is {oldest}"
        )
        raise EmbyUnsupportedServerError(
            message, reason=UnsupportedReason.TOO_OLD, version=version, product_name=product
        )
