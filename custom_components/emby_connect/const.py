"""Constants for the Emby Connect integration."""

from __future__ import annotations

from datetime import timedelta
import logging
from typing import Final

DOMAIN: Final = "emby_connect"
LOGGER = logging.getLogger(__package__)

APP_NAME: Final = "Home Assistant"
CONNECT_PIN_URL: Final = "https://emby.media/pin"
# Example server addresses the flow shows: translations take URLs as placeholders.
EXAMPLE_SERVER_URL: Final = "http://192.168.1.20:8096"
EXAMPLE_PROXY_URL: Final = "https://emby.example.com/emby"

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
# Where to send the magic packet, as the server reported it while reachable (Emby's names).
CONF_WAKE_ON_LAN: Final = "wake_on_lan"

# A server added by address with a local user (CONF_URL, CONF_USERNAME, CONF_VERIFY_SSL from
# homeassistant.const); the password is never kept, only the server's token for that user.
CONF_USER_ID: Final = "user_id"
CONF_ACCESS_TOKEN: Final = "access_token"

CONF_ADVANCED: Final = "advanced"
CONF_SERVER: Final = "server"

STATUS_INTERVAL: Final = timedelta(seconds=30)
# While a server's websocket is open, sessions and outages are pushed: polling only keeps
# System/Info fresh, and is the fallback when the websocket is gone.
PUSH_STATUS_INTERVAL: Final = timedelta(minutes=5)
# A ping goes out after PUSH_HEARTBEAT seconds without a frame from the server and the
# websocket is given up when nothing answers within half of that (a ping is a websocket frame,
# not an HTTP request). A silent websocket is then followed by one probe of the address in use
# with QUICK_PROBE_TIMEOUT: a network black hole shows as offline within about 18 s.
PUSH_HEARTBEAT: Final = 10.0
QUICK_PROBE_TIMEOUT: Final = 3.0
# After a lost connection or an announced restart, the connection manager is asked again every
# second (+/- 20 %) for RECONNECT_FAST_WINDOW: a refused connection costs the server nothing,
# and a server that answers again is back within about a second. Then after 2 and 4 s and
# every 4 s; after RECONNECT_WINDOW the 30-second poll takes over, for outages of any length.
RECONNECT_MIN_DELAY: Final = 1.0
RECONNECT_FAST_WINDOW: Final = timedelta(minutes=1)
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
# first message of a burst (Items/Counts is heavy on big libraries), by the counts coordinator's
# debouncer.
LIBRARY_CHANGED_COOLDOWN: Final = 30.0
COUNTS_INTERVAL: Final = timedelta(minutes=30)
CONNECT_INTERVAL: Final = timedelta(hours=1)
PIN_POLL_INTERVAL: Final = 3.0
# Outside the hourly read, the Connect server list is read again when no stored address of a
# server answers (once per outage of that server), when its AccessKey is refused, and when it is
# back after an outage in which it was not read. Reads are shared: one under way, or started since a server was lost,
# answers for it. A budget keeps a flapping or dead server from hammering Connect:
# CONNECT_READ_BURST reads at once, then one per CONNECT_READ_EVERY.
CONNECT_READ_BURST: Final = 3
CONNECT_READ_EVERY: Final = timedelta(minutes=5)
# After a wake, try to reach the server this often for this long: it answers once it is up.
WAKE_RETRY_INTERVAL: Final = timedelta(seconds=1)
WAKE_RETRY_WINDOW: Final = timedelta(minutes=2)
# While the repair of lost administrator rights is open, look whether they are back this often.
RIGHTS_RECHECK_INTERVAL: Final = timedelta(minutes=10)

# Options (the options flow): which client apps get no entities (Session.Client as Emby reports
# it), whose sessions count (user ids; none chosen: everyone's), and after how many days a
# client not seen is removed.
CONF_EXCLUDED_CLIENTS: Final = "excluded_clients"
CONF_USERS: Final = "users"
CONF_STALE_DAYS: Final = "stale_days"
DEFAULT_STALE_DAYS: Final = 30
MAX_STALE_DAYS: Final = 3650
# Stale clients are looked for at setup and then this often; a client's "last seen" is written
# to storage at most this often while it stays (a day-scale option needs no finer record).
STALE_CHECK_INTERVAL: Final = timedelta(hours=1)
SEEN_RESOLUTION: Final = timedelta(hours=1)
# A pushed play position further than this from where the last one and the time since put it is
# a seek (made on the client, or by a command): the player shows it at once. Clients report
# their position every few seconds, so an unchanged position is no jump until it moves.
POSITION_JUMP_TOLERANCE: Final = timedelta(seconds=3)
