"""A real Home Assistant process for the end-to-end tests, and its REST and websocket APIs.

Onboarding and config flows over REST reuse scripts/develop_bootstrap.py, the code that
`scripts/develop` runs, so the development instance and these tests sign in the same way.

Run `python -m tests.e2e.hass_process prepare` to let Home Assistant install the packages it
installs by itself on its first start (the tests do it on demand; see prepare()).
"""

from __future__ import annotations

import argparse
import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http import HTTPStatus
import importlib.metadata
import importlib.util
import json
from pathlib import Path
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from types import ModuleType
from typing import Any

import aiohttp

from .world import HASS_VENV, ROOT, ManagedProcess, child_env

HASS = HASS_VENV / "bin" / "hass"
PREPARED_STAMP = HASS_VENV / ".e2e-hass-prepared"
INITIALIZED = "Home Assistant initialized in"
# A first start installs packages and compiles two of them: minutes; later starts take seconds.
START_TIMEOUT = 600
INSTALL_FAILED = "Unable to install package"

# Finishing onboarding's core_config step makes Home Assistant set up integrations that reach
# the internet; only the user step is left to do (over REST, as scripts/develop does).
ONBOARDING = {
    "version": 4,
    "minor_version": 1,
    "key": "onboarding",
    "data": {"done": ["core_config", "analytics", "integration"]},
}

# An `http:` block, if the development configuration has one (see http_storage()).
HTTP_BLOCK = re.compile(r"^http:\n(?:[ \t]+\S.*\n)*", re.MULTILINE)

# Flags an automation can switch on and a test can read over REST.
E2E_CONFIGURATION = """
# Added by the end-to-end tests (tests/e2e/hass_process.py).
input_boolean:
  emby_server_offline:
    name: Emby server offline
  emby_blueprint_offline:
    name: Emby blueprint offline
  emby_blueprint_back:
    name: Emby blueprint back
"""

# The blueprint this repository ships, installed as a person would (config/blueprints/...).
BLUEPRINT = ROOT / "blueprints" / "automation" / "emby_connect" / "server_offline_notify.yaml"


def _load_bootstrap() -> ModuleType:
    """Import scripts/develop_bootstrap.py (scripts/ is not a package)."""
    name = "develop_bootstrap"
    if (module := sys.modules.get(name)) is not None:
        return module
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / "develop_bootstrap.py")
    if spec is None or spec.loader is None:
        message = "scripts/develop_bootstrap.py is missing"
        raise RuntimeError(message)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


bootstrap = _load_bootstrap()
OWNER_USER: str = bootstrap.DEV_USER
OWNER_PASSWORD: str = bootstrap.DEV_PASSWORD
OWNER_NAME = "Developer"  # the name develop_bootstrap.sign_in gives the owner
DOMAIN: str = bootstrap.DOMAIN


def versions() -> str:
    """Return the Home Assistant and frontend versions installed in the venv under test."""
    site = [str(path) for path in HASS_VENV.glob("lib/python3*/site-packages")]
    found = []
    for package in ("homeassistant", "home-assistant-frontend"):
        distribution = next(iter(importlib.metadata.distributions(name=package, path=site)), None)
        found.append(f"{package}=={distribution.version if distribution else 'missing'}")
    return " ".join(found)


def free_port() -> int:
    """Return a free TCP port on 127.0.0.1 (of the calling thread's network namespace)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def http_storage(port: int) -> dict[str, Any]:
    """Return `.storage/http` holding a confirmed 127.0.0.1:port configuration.

    Home Assistant 2026.10 moves `http:` from YAML into storage as a *pending* configuration
    that must be confirmed in the UI: until then a dialog covers every page, and after five
    minutes Home Assistant restarts with the previous (default) one, on all interfaces. Writing
    the configuration as the confirmed one avoids both.
    """
    settings = {
        "server_port": port,
        "server_host": ["127.0.0.1"],
        "cors_allowed_origins": ["https://cast.home-assistant.io"],
        "login_attempts_threshold": -1,
        "ip_ban_enabled": True,
        "ssl_profile": "modern",
        "use_x_frame_options": True,
        "created_at": datetime.now(UTC).isoformat(),
        "error": None,
        "error_message": None,
    }
    return {
        "version": 2,
        "minor_version": 2,
        "key": "http",
        "data": {"stable": settings, "pending": None, "yaml_migration_done": True},
    }


def write_config(config_dir: Path, port: int) -> None:
    """Write config/configuration.yaml on another port (`http:` in storage), onboarding marks."""
    text = (ROOT / "config" / "configuration.yaml").read_text()
    text = HTTP_BLOCK.sub("", text)
    if "127.0.0.1:8123" not in text:
        message = "config/configuration.yaml changed: update tests/e2e/hass_process.py"
        raise RuntimeError(message)
    text = text.replace("127.0.0.1:8123", f"127.0.0.1:{port}")
    (config_dir / "configuration.yaml").write_text(text + E2E_CONFIGURATION)
    (config_dir / "automations.yaml").write_text("[]\n")
    storage = config_dir / ".storage"
    storage.mkdir(exist_ok=True)
    (storage / "onboarding").write_text(json.dumps(ONBOARDING))
    (storage / "http").write_text(json.dumps(http_storage(port)))
    blueprints = config_dir / "blueprints" / "automation" / "emby_connect"
    blueprints.mkdir(parents=True, exist_ok=True)
    shutil.copy(BLUEPRINT, blueprints / BLUEPRINT.name)
    link = config_dir / "custom_components"
    if not link.exists():
        link.symlink_to(ROOT / "custom_components")


def is_prepared() -> bool:
    """Return whether Home Assistant's own first-start installs were done in this venv."""
    return PREPARED_STAMP.exists() and PREPARED_STAMP.read_text().strip() == versions()


def prepare(timeout: float = 900, log: Path | None = None) -> float:
    """Start Home Assistant once so it installs what it installs on a first start; return seconds.

    Home Assistant installs a dozen packages into its venv on its first start (two compile for
    a minute). Inside the loopback-only namespace it cannot reach the package registry, so the
    harness lets it do that once beforehand, in the machine's network namespace, with the test
    configuration (127.0.0.1 only, no default_config): only the package installs leave the
    machine. A stamp in the venv remembers it for these Home Assistant and frontend versions.
    """
    if is_prepared():
        return 0.0
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="e2e-hass-prepare-") as tmp:
        config_dir = Path(tmp)
        write_config(config_dir, free_port())
        log_path = log or config_dir / "hass-prepare.log"
        with log_path.open("wb") as output:
            process = subprocess.Popen(  # noqa: S603 - our own venv's hass
                [str(HASS), "-c", str(config_dir)],
                cwd=ROOT,
                env=child_env(),
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            try:
                text = _wait_for_log(process, log_path, timeout)
            finally:
                process.terminate()
                try:
                    process.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
    if INSTALL_FAILED in text:
        message = f"Home Assistant could not install its packages:\n{_tail(text)}"
        raise RuntimeError(message)
    PREPARED_STAMP.write_text(versions() + "\n")
    return time.monotonic() - started


def _wait_for_log(process: subprocess.Popen[bytes], log_path: Path, timeout: float) -> str:
    """Wait until Home Assistant logs that it initialized; return the log."""
    deadline = time.monotonic() + timeout
    while True:
        text = log_path.read_text(errors="replace")
        if INITIALIZED in text:
            return text
        if process.poll() is not None:
            message = (
                f"Home Assistant exited ({process.returncode}) while preparing:\n{_tail(text)}"
            )
            raise RuntimeError(message)
        if time.monotonic() > deadline:
            message = f"Home Assistant did not initialize within {timeout:.0f} s:\n{_tail(text)}"
            raise RuntimeError(message)
        time.sleep(0.5)


# A record of Home Assistant's log starts with its time stamp and level.
LOG_RECORD = re.compile(r"^\d{4}-\d{2}-\d{2} [\d:.+]+ (?P<level>[A-Z]+) ", re.MULTILINE)
# What Home Assistant (or Python) says when an integration uses something deprecated or about
# to go, or blocks the event loop: whichever release runs, none of it may name ours.
DEPRECATION_WORDS = (
    "deprecat",
    "detected that custom integration",
    "detected blocking call",
    "will stop working",
    "will be removed",
    "no longer supported",
)
OUR_CODE = f"custom_components/{DOMAIN}"


# Problems found and handed to their owners, printed at the end of the run instead of failing
# it; remove an entry once fixed (the run then fails should it come back).
# (Empty: the last one, flows reloading entries that had an update listener, is fixed.)
KNOWN_PROBLEMS: dict[str, str] = {}


def known_problem(record: str) -> str | None:
    """Return why a problem record is known (see KNOWN_PROBLEMS), or None."""
    return next((why for text, why in KNOWN_PROBLEMS.items() if text in record), None)


def integration_problems(log: str) -> list[str]:
    """Return the records of a Home Assistant log that show a problem of this integration.

    A problem is a deprecation or blocking-call report that names the integration, a Python
    warning raised in its code, or a traceback through its code logged at warning or above
    (its own debug records carry tracebacks on purpose; other integrations' errors, such as a
    missing ffmpeg, are not ours).
    """
    starts = [match.start() for match in LOG_RECORD.finditer(log)]
    records = [log[start:end] for start, end in zip([0, *starts], [*starts, len(log)], strict=True)]
    problems = []
    for record in records:
        lowered = record.lower()
        level = match.group("level") if (match := LOG_RECORD.match(record)) else ""
        if (
            (DOMAIN in lowered and any(word in lowered for word in DEPRECATION_WORDS))
            or (OUR_CODE in record and "Warning: " in record and level != "DEBUG")
            or (
                level in {"WARNING", "ERROR", "CRITICAL"}
                and "Traceback (most recent call last)" in record
                and OUR_CODE in record
            )
        ):
            problems.append(record.strip()[:2000])
    return problems


def _tail(text: str, lines: int = 40) -> str:
    """Return the last lines of a log."""
    return "\n".join(text.splitlines()[-lines:])


@dataclass(eq=False)
class HomeAssistant:
    """A running Home Assistant process with an owner signed in over REST."""

    config_dir: Path
    port: int
    process: ManagedProcess
    session: aiohttp.ClientSession
    token: str = ""
    startup_seconds: float = 0.0
    _ws_id: int = field(default=0)

    @property
    def url(self) -> str:
        """Return the base URL."""
        return f"http://127.0.0.1:{self.port}"

    @classmethod
    async def start(cls, config_dir: Path, log_path: Path) -> HomeAssistant:
        """Start hass on a free port, onboard the owner over REST and wait until it runs."""
        started = time.monotonic()
        port = free_port()
        write_config(config_dir, port)
        process = await ManagedProcess.start(
            "Home Assistant", [str(HASS), "-c", str(config_dir)], log_path=log_path
        )
        hass = cls(
            config_dir=config_dir, port=port, process=process, session=aiohttp.ClientSession()
        )
        try:
            async with asyncio.timeout(START_TIMEOUT):
                await hass._wait_until_up()
                await hass._sign_in()
                await hass._wait_until_running()
        except TimeoutError:
            await hass.stop()
            message = (
                f"Home Assistant did not start within {START_TIMEOUT} s:\n{process.log_tail()}"
            )
            raise RuntimeError(message) from None
        except BaseException:
            await hass.stop()
            raise
        if INSTALL_FAILED in hass.log_text():
            await hass.stop()
            message = (
                "Home Assistant could not install a package it needs (the loopback world has "
                "no way to the package registry): run `python -m tests.e2e.hass_process "
                f"prepare` again.\n{process.log_tail()}"
            )
            raise RuntimeError(message)
        hass.startup_seconds = time.monotonic() - started
        return hass

    async def _wait_until_up(self) -> None:
        """Wait until the onboarding view answers; fail early when hass exits."""
        while True:
            if not self.process.running:
                message = f"Home Assistant exited during start:\n{self.process.log_tail()}"
                raise RuntimeError(message)
            try:
                async with self.session.get(f"{self.url}/api/onboarding") as response:
                    if response.status == HTTPStatus.OK:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.25)

    async def _sign_in(self) -> None:
        """Create the owner (onboarding user step) and keep its access token."""
        try:
            self.token = await bootstrap.sign_in(self.session, self.url)
        except SystemExit as err:  # the bootstrap script reports failures as exit messages
            raise RuntimeError(str(err)) from None
        self.session.headers["Authorization"] = f"Bearer {self.token}"

    async def _wait_until_running(self) -> None:
        """Wait until Home Assistant reports it finished starting."""
        while True:
            if (await self.get("/api/config")).get("state") == "RUNNING":
                return
            await asyncio.sleep(0.25)

    async def get(self, path: str) -> Any:
        """GET a REST path; return the JSON answer."""
        async with self.session.get(f"{self.url}{path}") as response:
            await _raise_for_status(response)
            return await response.json()

    async def post(self, path: str, data: Any = None) -> Any:
        """POST JSON to a REST path; return the JSON answer."""
        async with self.session.post(f"{self.url}{path}", json=data) as response:
            await _raise_for_status(response)
            return await response.json()

    async def state(self, entity_id: str) -> dict[str, Any]:
        """Return the state object of an entity."""
        result: dict[str, Any] = await self.get(f"/api/states/{entity_id}")
        return result

    async def call_service(self, domain: str, service: str, data: dict[str, Any]) -> None:
        """Call a service."""
        await self.post(f"/api/services/{domain}/{service}", data)

    async def template(self, template: str) -> str:
        """Render a template (e.g. `{{ device_id('sensor.x') }}`)."""
        async with self.session.post(
            f"{self.url}/api/template", json={"template": template}
        ) as response:
            await _raise_for_status(response)
            return await response.text()

    async def ws(self, command: dict[str, Any]) -> Any:
        """Send one websocket command and return its result."""
        async with self.session.ws_connect(f"{self.url}/api/websocket") as socket_:
            await socket_.receive_json()
            await socket_.send_json({"type": "auth", "access_token": self.token})
            await socket_.receive_json()
            self._ws_id += 1
            await socket_.send_json({"id": self._ws_id, **command})
            answer = await socket_.receive_json()
        if not answer.get("success"):
            message = f"websocket {command['type']} failed: {answer.get('error')}"
            raise RuntimeError(message)
        return answer["result"]

    async def entries(self) -> list[dict[str, Any]]:
        """Return this integration's config entries."""
        result: list[dict[str, Any]] = await self.get(
            f"/api/config/config_entries/entry?domain={DOMAIN}"
        )
        return result

    async def flows_in_progress(self) -> list[dict[str, Any]]:
        """Return this integration's config flows in progress (discovered ones included)."""
        flows: list[dict[str, Any]] = await self.ws({"type": "config_entries/flow/progress"})
        return [flow for flow in flows if flow["handler"] == DOMAIN]

    async def start_flow(self) -> dict[str, Any]:
        """Start this integration's config flow over REST."""
        result: dict[str, Any] = await self.post(
            "/api/config/config_entries/flow", {"handler": DOMAIN}
        )
        return result

    async def flow_step(self, flow_id: str, data: dict[str, Any]) -> dict[str, Any]:
        """Submit a config flow step over REST."""
        result: dict[str, Any] = await bootstrap.flow_step(self.session, self.url, flow_id, data)
        return result

    def log_text(self) -> str:
        """Return Home Assistant's output so far."""
        return self.process.log_path.read_text(errors="replace")

    async def stop(self) -> list[str]:
        """Stop hass (SIGTERM: a clean shutdown) and close the HTTP session; return problems."""
        await self.session.close()
        return await self.process.stop(grace=60)


async def _raise_for_status(response: aiohttp.ClientResponse) -> None:
    """Raise with the body in the message, which says why Home Assistant refused."""
    if response.status >= HTTPStatus.BAD_REQUEST:
        body = await response.text()
        message = f"{response.method} {response.url.path} -> {response.status}: {body[:500]}"
        raise RuntimeError(message)


def main() -> None:
    """Command line: `prepare` Home Assistant's first-start installs."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("command", choices=["prepare"])
    parser.parse_args()
    if is_prepared():
        print(f"e2e: Home Assistant is prepared ({versions()})")  # noqa: T201 - a CLI
        return
    print("e2e: starting Home Assistant once to let it install its packages")  # noqa: T201
    seconds = prepare()
    print(f"e2e: prepared in {seconds:.0f} s ({versions()})")  # noqa: T201


if __name__ == "__main__":
    main()
