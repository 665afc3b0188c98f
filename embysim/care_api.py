"""What tests and demos call on a SimServer for server care (mixed into SimServer)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from .activity import ActivityType
from .updates import SimPackage

if TYPE_CHECKING:
    from .care import ServerCare
    from .intake import FoundMedia
    from .library import SimItem
    from .models import SimUser
    from .tasks import SimTask, TaskStatus
    from .wake import WakePacket


class CareApi:
    """Put a server to sleep, log activity, offer updates and run library scans."""

    care: ServerCare
    has_update_available: bool

    # -- Wake-on-LAN ------------------------------------------------------------------------

    @property
    def mac_address(self) -> str:
        """Return the MAC address the server reports in System/WakeOnLanInfo."""
        return self.care.mac_address

    def wake_on_lan_info(self) -> list[dict[str, Any]]:
        """Return System/WakeOnLanInfo: the MAC address and the LAN's wake listener."""
        return self.care.wake_on_lan_info()

    @property
    def wake_delay(self) -> float:
        """Return the seconds between a magic packet and the server answering again."""
        return self.care.wake_delay

    @wake_delay.setter
    def wake_delay(self, value: float) -> None:
        """Set the seconds between a magic packet and the server answering again."""
        self.care.wake_delay = float(value)

    @property
    def wake_packets(self) -> list[WakePacket]:
        """Return every magic packet for this server's MAC (target MAC, source, time)."""
        return self.care.wake_packets

    @property
    def asleep(self) -> bool:
        """Return whether the server sleeps (both addresses refuse connections)."""
        return self.care.asleep

    async def sleep(self) -> None:
        """Put the server to sleep: websockets drop silently, nothing answers until a wake."""
        await self.care.sleep()

    async def wake(self) -> None:
        """Wake the server at once (as a magic packet does after wake_delay)."""
        await self.care.wake()

    # -- activity ---------------------------------------------------------------------------

    def add_activity(
        self,
        name: str,
        type: str,  # noqa: A002 - Emby's field name
        *,
        user: SimUser | None = None,
        short_overview: str | None = None,
        overview: str | None = None,
        severity: str = "Info",
    ) -> dict[str, Any]:
        """Write an activity log entry (pushed to ActivityLogEntry subscribers)."""
        return self.care.activity.add(
            name,
            type,
            user_id=None if user is None else user.id,
            short_overview=short_overview,
            overview=overview,
            severity=severity,
        )

    def log_failed_login(self, username: str, remote_end_point: str = "203.0.113.7") -> None:
        """Log a failed sign-in (what a wrong password at Users/AuthenticateByName logs)."""
        self.care.activity.failed_login(username, remote_end_point)

    def log_new_device(
        self, device_name: str, client: str, *, user: SimUser | None = None
    ) -> dict[str, Any]:
        """Log a device the server has not seen before."""
        return self.add_activity(
            f"New device {device_name} ({client})",
            ActivityType.DEVICE_ADDED,
            user=user,
            short_overview=f"{client} on {device_name}",
        )

    def lock_out(self, user: SimUser) -> dict[str, Any]:
        """Lock a user out (Emby disables the account) and log it."""
        user.is_disabled = True
        return self.add_activity(
            f"User {user.name} has been locked out",
            ActivityType.USER_LOCKED_OUT,
            user=user,
            severity="Warn",
        )

    # -- updates and restarts ---------------------------------------------------------------

    def set_update_available(
        self, version: str | None = "", notes: str | None = None
    ) -> SimPackage | None:
        """Offer a newer server version ("" picks the next one; None withdraws the offer)."""
        self.has_update_available = version is not None
        if version is None:
            return self.care.updates.set_available(None)
        if not version:
            return self.care.updates.ensure_available()
        return self.care.updates.set_available(version, notes)

    def add_plugin_update(
        self, name: str, version: str, *, description: str | None = None
    ) -> SimPackage:
        """Offer a newer version of an installed plugin (Packages/Updates?PackageType=UserInstalled)."""
        guid = self.care.plugin_guid(name)
        return self.care.updates.add_plugin_update(
            name, version, guid=guid, description=description
        )

    def install_plugin(self, name: str, version: str) -> None:
        """Install a plugin at a version (GET /Plugins); an offer not newer than it goes away."""
        self.care.updates.install_plugin(name, version)

    @property
    def can_self_restart(self) -> bool:
        """Return whether System/Restart works (otherwise it answers 500, as Emby does)."""
        return self.care.can_self_restart

    @can_self_restart.setter
    def can_self_restart(self, value: bool) -> None:
        """Say whether System/Restart works."""
        self.care.can_self_restart = bool(value)

    @property
    def can_self_update(self) -> bool:
        """Return what System/Info reports as CanSelfUpdate."""
        return self.care.can_self_update

    @can_self_update.setter
    def can_self_update(self, value: bool) -> None:
        """Say what System/Info reports as CanSelfUpdate."""
        self.care.can_self_update = bool(value)

    # -- tasks and scans --------------------------------------------------------------------

    @property
    def tasks(self) -> list[SimTask]:
        """Return the scheduled tasks."""
        return self.care.tasks.tasks

    def task(self, key: str) -> SimTask:
        """Return a scheduled task by Id, key or name; raise KeyError when there is none."""
        found = self.care.tasks.find(key)
        if found is None:
            raise KeyError(key)
        return found

    @property
    def items(self) -> dict[str, SimItem]:
        """Return the items scans added to server.library (still there), by Id."""
        return self.care.library.items

    @property
    def scan_duration(self) -> float:
        """Return how long a task run (a library scan) takes, in seconds."""
        return self.care.scan_duration

    @scan_duration.setter
    def scan_duration(self, value: float) -> None:
        """Set how long a task run (a library scan) takes, in seconds."""
        self.care.scan_duration = float(value)

    @property
    def library_changed_delay(self) -> float:
        """Return the quiet time after the last added item before LibraryChanged goes out."""
        return self.care.scan.library_changed_delay

    @library_changed_delay.setter
    def library_changed_delay(self, value: float) -> None:
        """Set the quiet time after the last added item before LibraryChanged goes out."""
        self.care.scan.library_changed_delay = float(value)

    def scan_library(
        self,
        items: Iterable[FoundMedia | Mapping[str, Any]] = (),
        *,
        duration: float | None = None,
        fail_at: float | None = None,
    ) -> asyncio.Task[TaskStatus]:
        """Put items on disk and scan (as POST Library/Refresh); await the task for its status."""
        return self.care.start_scan(items, duration=duration, fail_at=fail_at)
