"""Constants for the Emby Connect integration."""

from __future__ import annotations

from datetime import timedelta
import logging
from typing import Final

DOMAIN: Final = "emby_connect"
LOGGER = logging.getLogger(__package__)

APP_NAME: Final = "Home Assistant"
CONNECT_PIN_URL: Final = "https://emby.media/pin"

# How an entry signs in to its server.
CONF_AUTH_METHOD: Final = "auth_method"
AUTH_METHOD_CONNECT: Final = "connect"
AUTH_METHOD_MANUAL: Final = "manual"

# Emby Connect account (kept on every entry of a Connect server; the password never is).
CONF_CONNECT_URL: Final = "connect_url"
CONF_CONNECT_USER_ID: Final = "connect_user_id"
CONF_CONNECT_TOKEN: Final = "connect_token"
CONF_CONNECT_USERNAME: Final = "connect_username"

# The SystemId was kept in the data of version 1 entries; since version 2 it is only the
# entry's unique_id (the migration in __init__.py drops it).
CONF_SYSTEM_ID: Final = "system_id"

# The server as Emby Connect lists it.
CONF_ACCESS_KEY: Final = "access_key"
CONF_LINK_ID: Final = "link_id"
CONF_USER_TYPE: Final = "user_type"
CONF_LOCAL_ADDRESS: Final = "local_address"
CONF_REMOTE_ADDRESS: Final = "remote_address"
CONF_LAST_MODE: Final = "last_mode"

# A server added by address with a local user (CONF_URL, CONF_USERNAME, CONF_VERIFY_SSL from
# homeassistant.const); the password is never kept, only the server's token for that user.
CONF_USER_ID: Final = "user_id"
CONF_ACCESS_TOKEN: Final = "access_token"

CONF_ADVANCED: Final = "advanced"
CONF_SERVER: Final = "server"

STATUS_INTERVAL: Final = timedelta(seconds=30)
# While a server's websocket is open, sessions and outages are pushed: polling only keeps
# System/Info and the counts fresh, and is the fallback when the websocket is gone.
PUSH_STATUS_INTERVAL: Final = timedelta(minutes=5)
# After a lost connection or an announced restart, the connection manager is asked again
# after 1, 2, 4 s and then every 4 s (each +/- 20 %): a server that answers again is back
# within 5 s. After RECONNECT_WINDOW the 30-second poll takes over, for outages of any length.
RECONNECT_MIN_DELAY: Final = 1.0
RECONNECT_MAX_DELAY: Final = 4.0
RECONNECT_WINDOW: Final = timedelta(minutes=10)
# A websocket that closes sooner than this after opening counts as flapping: from the second
# such close on, the next one opens only after a growing delay (up to STATUS_INTERVAL).
PUSH_STABLE_AFTER: Final = timedelta(minutes=1)
# A server (or a proxy in front of it) refusing websockets is asked again after 1 minute, then
# after twice as long each time, at most hourly; polling serves meanwhile.
PUSH_REFUSED_MIN_DELAY: Final = 60.0
PUSH_REFUSED_MAX_DELAY: Final = 3600.0
# A library scan sends LibraryChanged in bursts: the counts are read once, this long after the
# first message of a burst (Items/Counts is heavy on big libraries).
LIBRARY_CHANGED_DELAY: Final = 30.0
COUNTS_INTERVAL: Final = timedelta(minutes=30)
CONNECT_INTERVAL: Final = timedelta(hours=1)
PIN_POLL_INTERVAL: Final = 3.0
# Outside the hourly read, the Connect server list is read again when a server cannot be
# reached or refuses its AccessKey, but never more often than this for one account.
CONNECT_MIN_INTERVAL: Final = timedelta(minutes=5)
