"""`python -m embysim`: help, start, summary, serving, SIGTERM."""

from __future__ import annotations

import socket
import ssl
import subprocess
import sys

import aiohttp
import pytest

from embysim.__main__ import build_parser, main

from .helpers import ROOT, start_simulator, stop_simulator


def test_help_explains_the_options() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "embysim", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    for option in (
        "--host",
        "--port",
        "--servers",
        "--latency",
        "--https",
        "--base-path",
        "--profile",
        "--proxy",
    ):
        assert option in result.stdout
    assert "8099" in result.stdout


def test_defaults() -> None:
    args = build_parser().parse_args([])
    assert (args.host, args.port, args.servers, args.latency, args.https, args.base_path) == (
        "127.0.0.1",
        8099,
        2,
        0.0,
        False,
        "",
    )


def test_profile_and_proxy_options() -> None:
    args = build_parser().parse_args([])
    assert (args.profile, args.proxy) == ("4.8", None)
    args = build_parser().parse_args(["--profile", "jellyfin", "--proxy", "remote"])
    assert (args.profile, args.proxy) == ("jellyfin", "remote")


async def test_demo_with_a_profile_behind_a_proxy(emby_sim) -> None:
    summary = await emby_sim.load_demo(servers=2, profile="4.9", proxy="remote")
    for server in summary["servers"]:
        assert (server["profile"], server["version"]) == ("4.9", "4.9.1.80")
        assert (server["local_proxy"], server["remote_proxy"]) == ("NONE", "EMBY_PATHS")


@pytest.mark.parametrize(
    "argv",
    [
        ["--profile", "5.0"],
        ["--proxy", "sideways"],
        ["--host", "0.0.0.0"],  # noqa: S104 - checks that it is refused
        ["--host", "example.com"],
        ["--servers", "-1"],
    ],
)
def test_refuses_bad_options(argv, capsys) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    assert "error" in capsys.readouterr().err


async def test_serves_demo_until_sigterm(socket_enabled) -> None:
    process, summary = await start_simulator(
        "--servers", "1", "--https", "--base-path", "/emby", "--latency", "0.01", "--seed", "7"
    )
    try:
        assert summary["connect_url"].endswith("/service")
        assert summary["connect_users"][0]["name"] == "demo"
        (server,) = summary["servers"]
        assert server["url"].startswith("https://127.0.0.1:")
        assert server["url"].endswith("/emby")
        context = ssl.create_default_context(cadata=summary["certificate_pem"])
        async with aiohttp.ClientSession() as http:
            async with http.get(f"{server['url']}/System/Info/Public", ssl=context) as response:
                info = await response.json()
            assert info["Id"] == server["system_id"]
            async with http.get(f"{summary['control_url']}/summary") as response:
                assert (await response.json())["servers"][0]["system_id"] == server["system_id"]
    finally:
        returncode = await stop_simulator(process)
    assert returncode == 0
    async with aiohttp.ClientSession() as http:
        with pytest.raises(aiohttp.ClientConnectorError):
            await http.get(f"{server['url']}/System/Info/Public", ssl=context)


def test_port_in_use_fails_cleanly(socket_enabled, capsys) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        assert main(["--port", str(taken.getsockname()[1]), "--empty"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("embysim: ")
