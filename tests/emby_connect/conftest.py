"""Fixtures shared by the Home Assistant tests of Emby Connect."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Generator
from dataclasses import dataclass, fields, replace
from datetime import UTC, datetime, timedelta
import json
from pathlib import Path
from typing import Any, override
from unittest.mock import MagicMock, PropertyMock, create_autospec, patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import CONF_URL, CONF_USERNAME, CONF_VERIFY_SSL, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
    snapshot_platform,
)
from syrupy.assertion import SnapshotAssertion

from custom_components.emby_connect import PLATFORMS
from custom_components.emby_connect.aioemby import (
    ActivityLogPage,
    ClientIdentity,
    ConnectionMode,
    ConnectionResult,
    ConnectServer,
    EmbyConnectionError,
    EmbyMessage,
    EmbyServer,
    ItemCounts,
    PackageType,
    PackageVersion,
    PublicSystemInfo,
    ScheduledTask,
    ServerLogin,
    Session,
    SystemInfo,
    TaskResult,
    TaskStatus,
    WakeOnLanInfo,
)
from custom_components.emby_connect.config_flow import EmbyConnectConfigFlow
from custom_components.emby_connect.const import (
    AUTH_METHOD_CONNECT,
    AUTH_METHOD_MANUAL,
    CONF_ACCESS_KEY,
    CONF_ACCESS_TOKEN,
    CONF_AUTH_METHOD,
    CONF_CONNECT_TOKEN,
    CONF_CONNECT_URL,
    CONF_CONNECT_USER_ID,
    CONF_CONNECT_USERNAME,
    CONF_LAST_MODE,
    CONF_LINK_ID,
    CONF_LOCAL_ADDRESS,
    CONF_REMOTE_ADDRESS,
    CONF_USER_ID,
    CONF_USER_TYPE,
    CONF_WAKE_ON_LAN,
    DOMAIN,
    STATUS_INTERVAL,
)
from custom_components.emby_connect.coordinator import EmbyStatusCoordinator
from custom_components.emby_connect.push import EmbyPushListener

FIXTURES = Path(__file__).parent / "fixtures"
# Entries as the config flow stores them now (older ones are migrated at setup).
ENTRY_VERSION = EmbyConnectConfigFlow.VERSION

SYSTEM_ID = "6d8c3f1e2a7b4c9d8e0f1a2b3c4d5e6f"
OTHER_SYSTEM_ID = "9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b"
CONNECT_URL = "https://connect.emby.media/service"
CONNECT_USER_ID = "connect-user-5150"
CONNECT_TOKEN = "connect-token-d41d8cd98f00b204"
CONNECT_USERNAME = "alice@example.com"
ACCESS_KEY = "f3a9c2e1d4b5a6978877665544332211"
LOCAL_ADDRESS = "http://192.168.1.20:8096"
REMOTE_ADDRESS = "https://emby.example.net:8920"
SERVER_USER_ID = "e5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0"
SERVER_TOKEN = "server-token-0cc175b9c0f1b6a8"
MANUAL_USERNAME = "alice"
MANUAL_TOKEN = "manual-token-92eb5ffee6ae2fec"
HA_DEVICE_ID = "ha-instance-id"
PUBLIC_INFO = PublicSystemInfo(id=SYSTEM_ID, server_name="Living Room", version="4.8.11.0")


def load_json(name: str) -> Any:
    """Return a recorded payload from the fixtures folder."""
    return json.loads((FIXTURES / name).read_text())


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Let Home Assistant load custom_components/emby_connect in every test."""


@pytest.fixture
def platforms(request: pytest.FixtureRequest) -> list[Platform]:
    """Return the entity platforms to load: those a `platforms` mark names, else all of them."""
    mark = request.node.get_closest_marker("platforms")
    return list(mark.args) if mark is not None else list(PLATFORMS)


@pytest.fixture(autouse=True)
def only_platforms(platforms: list[Platform]) -> Generator[None]:
    """Load only the platforms asked for."""
    with patch("custom_components.emby_connect.PLATFORMS", platforms):
        yield


type EntitiesSnapshot = Callable[[MockConfigEntry], Awaitable[None]]


@pytest.fixture
def snapshot_entities(
    hass: HomeAssistant, entity_registry: er.EntityRegistry, snapshot: SnapshotAssertion
) -> EntitiesSnapshot:
    """Return a check of an entry's entities, their registry entries and states, on this test's snapshot."""

    async def check(entry: MockConfigEntry) -> None:
        await snapshot_platform(hass, entity_registry, snapshot, entry.entry_id)

    return check


@pytest.fixture
def entity_registry_enabled_by_default() -> Generator[None]:
    """Enable the entities that are disabled by default."""
    with patch(
        "homeassistant.helpers.entity.Entity.entity_registry_enabled_default",
        return_value=True,
        new_callable=PropertyMock,
    ):
        yield


def _living_room(data: dict[str, Any]) -> MockConfigEntry:
    """Return an entry of the Living Room server, stored as the current version stores it."""
    return MockConfigEntry(
        domain=DOMAIN, title="Living Room", unique_id=SYSTEM_ID, version=ENTRY_VERSION, data=data
    )


@pytest.fixture
def mock_config_entry() -> MockConfigEntry:
    """Return the entry of a server linked to an Emby Connect account."""
    return _living_room(
        {
            CONF_AUTH_METHOD: AUTH_METHOD_CONNECT,
            CONF_CONNECT_URL: CONNECT_URL,
            CONF_CONNECT_USER_ID: CONNECT_USER_ID,
            CONF_CONNECT_TOKEN: CONNECT_TOKEN,
            CONF_CONNECT_USERNAME: CONNECT_USERNAME,
            CONF_ACCESS_KEY: ACCESS_KEY,
            CONF_LINK_ID: "4821",
            CONF_USER_TYPE: "Linked",
            CONF_LOCAL_ADDRESS: LOCAL_ADDRESS,
            CONF_REMOTE_ADDRESS: REMOTE_ADDRESS,
            CONF_LAST_MODE: None,
            CONF_VERIFY_SSL: True,
        }
    )


@pytest.fixture
def mock_manual_config_entry() -> MockConfigEntry:
    """Return the entry of a server added by address with a local user."""
    return _living_room(
        {
            CONF_AUTH_METHOD: AUTH_METHOD_MANUAL,
            CONF_URL: LOCAL_ADDRESS,
            CONF_VERIFY_SSL: False,
            CONF_USERNAME: MANUAL_USERNAME,
            CONF_USER_ID: SERVER_USER_ID,
            CONF_ACCESS_TOKEN: MANUAL_TOKEN,
        }
    )


@pytest.fixture
def mock_client_identity() -> Generator[ClientIdentity]:
    """Give Home Assistant a known DeviceId, the one of its own session in sessions.json."""
    identity = ClientIdentity(
        client="Home Assistant", device_name="Home", device_id=HA_DEVICE_ID, version="0.1.0"
    )
    with patch(
        "custom_components.emby_connect.async_client_identity", autospec=True
    ) as identity_mock:
        identity_mock.return_value = identity
        yield identity


@pytest.fixture
def connection_result() -> ConnectionResult:
    """Return what the connection manager answers: reached on the local address."""
    return ConnectionResult(
        mode=ConnectionMode.LOCAL,
        address=LOCAL_ADDRESS,
        info=PublicSystemInfo.from_dict(load_json("system_info_public.json")),
        user_id=SERVER_USER_ID,
        access_token=SERVER_TOKEN,
    )


@pytest.fixture
def mock_emby_server() -> MagicMock:
    """Return a connected Emby server answering as an administrator."""
    server = create_autospec(EmbyServer, instance=True)
    server.get_system_info.return_value = SystemInfo.from_dict(load_json("system_info.json"))
    server.get_sessions.return_value = Session.list_from(load_json("sessions.json"))
    server.get_item_counts.return_value = ItemCounts.from_dict(load_json("item_counts.json"))
    return server


async def _never_opens() -> None:
    """Wait forever, like a websocket that never opens."""
    await asyncio.Event().wait()


@pytest.fixture
def mock_websocket() -> Generator[MagicMock]:
    """Patch the push channel; by default it never opens, so polling goes on as without it."""
    with patch(
        "custom_components.emby_connect.push.EmbyWebSocket", autospec=True
    ) as websocket_class:
        websocket = websocket_class.return_value
        websocket.connect.side_effect = _never_opens
        websocket.connected = False
        yield websocket_class


@pytest.fixture
def mock_connection_manager(
    mock_client_identity: ClientIdentity,
    mock_emby_server: MagicMock,
    connection_result: ConnectionResult,
    mock_websocket: MagicMock,
) -> Generator[MagicMock]:
    """Patch the connection manager (it connects to mock_emby_server) and the websocket."""
    with patch("custom_components.emby_connect.ConnectionManager", autospec=True) as manager_class:
        manager = manager_class.return_value
        manager.connect.return_value = (mock_emby_server, connection_result)
        yield manager


@pytest.fixture(autouse=True)
def mock_emby_admin() -> Generator[MagicMock]:
    """Patch the admin API the runtime uses: an administrator, no Wake-on-LAN target reported."""
    with (
        patch("custom_components.emby_connect.wake.EmbyAdmin", autospec=True) as admin_class,
        patch("custom_components.emby_connect.admin.EmbyAdmin", admin_class),
        patch("custom_components.emby_connect.library_scan.EmbyAdmin", admin_class),
        patch("custom_components.emby_connect.server_updates.EmbyAdmin", admin_class),
    ):
        admin = admin_class.return_value
        admin.get_wake_on_lan_info.return_value = []
        admin.get_scheduled_tasks.return_value = []
        admin.get_library_scan_task.return_value = LIBRARY_SCAN_TASK
        admin.get_package_updates.side_effect = _package_updates
        admin.get_release_notes_versions.return_value = [SERVER_UPDATE, INSTALLED_RELEASE]
        admin.get_release_notes.return_value = SERVER_UPDATE
        admin.get_plugins.return_value = []
        admin.get_activity_log.return_value = ActivityLogPage()
        admin.get_activity_since.return_value = []
        yield admin


# What the administered server reports of its care: the library scan's last run, and the
# update its System/Info says is waiting (HasUpdateAvailable), with release notes.
LIBRARY_SCAN_TASK = ScheduledTask(
    id="6330ee8fb4a957f33981f89aa78b030f",
    name="Scan media library",
    key="RefreshLibrary",
    last_result=TaskResult(
        status=TaskStatus.COMPLETED,
        key="RefreshLibrary",
        started=datetime(2026, 11, 30, 3, 0, tzinfo=UTC),
        ended=datetime(2026, 11, 30, 3, 4, 12, tzinfo=UTC),
    ),
)
SERVER_UPDATE = PackageVersion(
    name="Emby Server",
    version="4.9.0.30",
    guid="4ca1d5b9-3b6b-4e7a-9d3c-2b2a3f6c1e01",
    classification="Release",
    description="Emby Server 4.9.0.30: faster library scans, a new player.",
    info_url="https://emby.media/community/index.php?/forum/50-server-releases/",
)
INSTALLED_RELEASE = PackageVersion(
    name="Emby Server", version="4.8.11.0", description="Emby Server 4.8.11.0: stability fixes."
)


# The Wake-on-LAN target the server reports: a UDP listener on loopback, never a broadcast address.
REPORTED = WakeOnLanInfo(mac_address="0A:1B:2C:3D:4E:5F", broadcast_address="127.0.0.1", port=40009)


def _package_updates(package_type: PackageType = PackageType.USER_INSTALLED) -> list[object]:
    """Answer Packages/Updates: the server's update, no plugin updates."""
    return [SERVER_UPDATE] if package_type is PackageType.SYSTEM else []


def autospec_patch(target: str, **options: Any) -> Generator[MagicMock]:
    """Patch a target with an autospec mock for as long as the fixture yielding from this lives."""
    with patch(target, autospec=True, **options) as mocked:
        yield mocked


@pytest.fixture
def mock_send_magic_packet() -> Generator[MagicMock]:
    """Catch the magic packet where the library hands it to `wakeonlan`."""
    yield from autospec_patch(
        "custom_components.emby_connect.aioemby.wake.wakeonlan.send_magic_packet"
    )


@pytest.fixture
def stored_targets() -> object:
    """Return the Wake-on-LAN data an earlier run kept: the reported target."""
    return [REPORTED.as_dict()]


@pytest.fixture
def stored_entry(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, stored_targets: object
) -> MockConfigEntry:
    """Return the entry, added, with the Wake-on-LAN data an earlier run kept."""
    mock_config_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        mock_config_entry, data={**mock_config_entry.data, CONF_WAKE_ON_LAN: stored_targets}
    )
    return mock_config_entry


@pytest.fixture
def mock_instance_id() -> Generator[MagicMock]:
    """Give this Home Assistant a known instance id, the DeviceId it sends to Emby."""
    yield from autospec_patch(
        "homeassistant.helpers.instance_id.async_get", return_value=HA_DEVICE_ID
    )


@pytest.fixture
def mock_connect_class() -> Generator[MagicMock]:
    """Patch the Emby Connect client class, for the config flow and the runtime alike."""
    yield from autospec_patch("custom_components.emby_connect.helpers.EmbyConnect")


@pytest.fixture
def mock_emby_connect(mock_connect_class: MagicMock) -> MagicMock:
    """Return the Emby Connect client; the account lists the one configured server."""
    client: MagicMock = mock_connect_class.return_value
    client.access_token = CONNECT_TOKEN
    client.user_id = CONNECT_USER_ID
    client.get_servers.return_value = ConnectServer.list_from(load_json("connect_servers.json"))
    return client


@pytest.fixture
def mock_server_class() -> Generator[MagicMock]:
    """Patch the Emby server client where the flow's checks build it."""
    yield from autospec_patch("custom_components.emby_connect.validation.EmbyServer")


@pytest.fixture
def mock_server(mock_server_class: MagicMock) -> MagicMock:
    """Return the Emby server client of the flow's checks: the Living Room server, accepting the user."""
    server: MagicMock = mock_server_class.return_value
    server.get_public_info.return_value = PUBLIC_INFO
    server.authenticate_by_name.return_value = ServerLogin(
        user_id=SERVER_USER_ID, access_token=MANUAL_TOKEN
    )
    return server


@pytest.fixture
async def init_integration(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    mock_connection_manager: MagicMock,
    mock_emby_connect: MagicMock,
) -> MockConfigEntry:
    """Set up the Connect entry and let the first server list read finish."""
    mock_config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    return mock_config_entry


async def settle(hass: HomeAssistant) -> None:
    """Let background tasks (push, reads) and what they start run."""
    for _ in range(30):
        await asyncio.sleep(0)
    await hass.async_block_till_done()


async def tick(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    delta: timedelta | float = STATUS_INTERVAL,
) -> None:
    """Let time pass, fire what is due and let it finish."""
    freezer.tick(delta if isinstance(delta, timedelta) else timedelta(seconds=delta))
    async_fire_time_changed(hass)
    await settle(hass)


@dataclass(kw_only=True)
class Runtime:
    """A server entry, the mocked clients it talks to, and the frozen clock."""

    hass: HomeAssistant
    freezer: FrozenDateTimeFactory
    entry: MockConfigEntry
    # The connection manager, the signed-in server client and the Emby Connect client (and
    # its class, which builds one client per account).
    manager: MagicMock
    server: MagicMock
    connect: MagicMock
    connect_class: MagicMock

    async def set_up(self) -> None:
        """Set the entry up and let the first reads finish."""
        self.entry.add_to_hass(self.hass)
        await self.hass.config_entries.async_setup(self.entry.entry_id)
        await self.hass.async_block_till_done()

    async def settle(self) -> None:
        """Let background tasks (push, reads) and what they start run."""
        await settle(self.hass)

    async def tick(self, delta: timedelta | float = STATUS_INTERVAL) -> None:
        """Let time pass (a status poll interval unless told), fire what is due, let it finish."""
        await tick(self.hass, self.freezer, delta)

    def refuse(self, error: Exception | None = None) -> None:
        """Let every connect fail (refused, unless another error is given)."""
        self.manager.connect.side_effect = error or EmbyConnectionError("refused")

    def answer(self) -> None:
        """Let connects succeed again."""
        self.manager.connect.side_effect = None

    def lose(self) -> None:
        """Let the server go away: its status reads and every connect fail."""
        self.server.get_system_info.side_effect = EmbyConnectionError("gone")
        self.refuse(EmbyConnectionError("gone"))

    def find(self) -> None:
        """Let the server answer again: status reads and connects succeed."""
        self.server.get_system_info.side_effect = None
        self.answer()


@pytest.fixture
def runtime(
    hass: HomeAssistant,
    *,
    freezer: FrozenDateTimeFactory,
    mock_config_entry: MockConfigEntry,
    mock_connection_manager: MagicMock,
    mock_connect_class: MagicMock,
    mock_emby_connect: MagicMock,
    mock_emby_server: MagicMock,
) -> Runtime:
    """Return the Connect entry, not set up yet, with its mocked clients and the clock."""
    return Runtime(
        hass=hass,
        freezer=freezer,
        entry=mock_config_entry,
        manager=mock_connection_manager,
        server=mock_emby_server,
        connect=mock_emby_connect,
        connect_class=mock_connect_class,
    )


@pytest.fixture
def manual(runtime: Runtime, mock_manual_config_entry: MockConfigEntry) -> Runtime:
    """Return the entry of a server added by address, not set up yet, with the same mocks."""
    return replace(runtime, entry=mock_manual_config_entry)


@pytest.fixture
async def loaded(runtime: Runtime) -> Runtime:
    """Return the Connect entry set up, as init_integration, with its mocks and the clock."""
    await runtime.set_up()
    return runtime


class FakeChannel:
    """Drive the mocked websocket: let it open or refuse, push messages, end it."""

    def __init__(self, websocket_class: MagicMock) -> None:
        """Take over the mocked websocket's methods."""
        self.websocket_class = websocket_class
        self.websocket = websocket_class.return_value
        self.websocket.connect.side_effect = self._connect
        self.websocket.listen.side_effect = self._listen
        self.websocket.close.side_effect = self._close
        self.websocket.connected = False
        self.connect_error: Exception | None = None
        self._callback: Callable[[EmbyMessage], None] | None = None
        self._end: asyncio.Future[None] | None = None

    async def _connect(self) -> None:
        if self.connect_error is not None:
            raise self.connect_error
        self.websocket.connected = True

    async def _listen(self, callback: Callable[[EmbyMessage], None]) -> None:
        self._callback = callback
        self._end = asyncio.get_running_loop().create_future()
        try:
            await self._end
        finally:
            self._callback = None
            self.websocket.connected = False

    async def _close(self) -> None:
        if self._end is not None and not self._end.done():
            self._end.set_result(None)

    @property
    def is_open(self) -> bool:
        """Return whether the coordinator listens on the channel now."""
        return self._callback is not None

    @property
    def opened(self) -> int:
        """Return how often the coordinator opened a websocket."""
        return self.websocket.connect.call_count

    def push(self, message: EmbyMessage) -> None:
        """Deliver a message as the server would."""
        assert self._callback is not None
        self._callback(message)

    def end(self, error: Exception | None = None) -> None:
        """End the channel as the server or the network would."""
        assert self._end is not None
        if not self._end.done():  # unless the coordinator closed it first
            self._end.set_exception(error or EmbyConnectionError("closed the websocket"))


@dataclass(kw_only=True)
class Push(Runtime):
    """A Connect server entry with its fake websocket, and the mocks it talks to."""

    channel: FakeChannel

    @property
    def status(self) -> EmbyStatusCoordinator:
        """Return the status coordinator of the entry."""
        return self.entry.runtime_data.status

    @property
    def listener(self) -> EmbyPushListener:
        """Return the push listener of the entry."""
        return self.entry.runtime_data.push

    @override
    async def set_up(self) -> None:
        """Set the entry up and let what it starts (the websocket among it) run."""
        await super().set_up()
        await self.settle()


@pytest.fixture
def channel(mock_websocket: MagicMock) -> FakeChannel:
    """Return the fake push channel over the mocked websocket."""
    return FakeChannel(mock_websocket)


@pytest.fixture
def stack(runtime: Runtime, channel: FakeChannel) -> Push:
    """Return the Connect entry, not set up yet, with its fake websocket."""
    parts = {item.name: getattr(runtime, item.name) for item in fields(runtime)}
    return Push(channel=channel, **parts)


@pytest.fixture
async def push(stack: Push) -> Push:
    """Return the Connect entry set up; its websocket is open."""
    await stack.set_up()
    assert stack.channel.is_open
    return stack
