"""What an administrator of a server may do from Home Assistant: restart it, scan its libraries."""

from __future__ import annotations

from .aioemby import EmbyAdmin, EmbyError, EmbyForbiddenError, EmbyServer
from .connection import EmbyConnection
from .const import LOGGER


async def _scheduled_tasks(server: EmbyServer) -> None:
    """Read the scheduled tasks, which only an administrator may."""
    await EmbyAdmin(server=server).get_scheduled_tasks()


async def _restart(server: EmbyServer) -> None:
    """Restart the server."""
    await EmbyAdmin(server=server).restart()


async def _refresh_library(server: EmbyServer) -> None:
    """Scan all libraries of the server."""
    await EmbyAdmin(server=server).refresh_library()


async def async_admin_rights(connection: EmbyConnection) -> bool | None:
    """Return whether the signed-in user administers the server; None when it cannot tell."""
    try:
        await connection.async_call(_scheduled_tasks)
    except EmbyForbiddenError:
        return False
    except EmbyError as err:
        LOGGER.debug("Cannot tell whether %s is administered: %s", connection.record.name, err)
        return None
    return True


async def async_restart(connection: EmbyConnection) -> None:
    """Restart the server; raise EmbyError when it refuses or cannot be reached."""
    await connection.async_call(_restart)


async def async_scan_libraries(connection: EmbyConnection) -> None:
    """Scan all libraries; raise EmbyError when the server refuses or cannot be reached."""
    await connection.async_call(_refresh_library)
