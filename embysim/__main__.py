"""Run the simulator from the command line: `python -m embysim --help`."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import signal
import sys

from .net import check_loopback
from .profiles import DEFAULT_PROFILE, PROFILES
from .simulator import DEFAULT_PORT, EmbySimulator

DESCRIPTION = """\
Start a simulated Emby Connect and Emby servers on loopback, with a demo account
(Connect user "demo", password "demo-password"), print a JSON summary on one line of
stdout (addresses, users, passwords, AccessKeys, API keys) and serve until SIGINT or
SIGTERM. Emby Connect is served under <control port>/service, the control API under
<control port>/_sim (GET /_sim/summary, POST /_sim/servers/<name>/fault, ...).
"""


def build_parser() -> argparse.ArgumentParser:
    """Describe the command-line options."""
    parser = argparse.ArgumentParser(
        prog="python -m embysim",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="loopback address to bind (127.0.0.1, ::1 or localhost; default %(default)s)",
    )
    parser.add_argument(
        "--port",
        type=int,
        default=DEFAULT_PORT,
        help="port of Emby Connect (/service) and the control API (/_sim); 0 picks a free "
        "port (default %(default)s)",
    )
    parser.add_argument(
        "--servers", type=int, default=2, help="number of demo servers (default %(default)s)"
    )
    parser.add_argument(
        "--server-port",
        type=int,
        default=None,
        metavar="FIRST",
        help="give servers fixed ports: server i listens on FIRST+2i (local) and FIRST+2i+1 "
        "(remote); default: free ports",
    )
    parser.add_argument(
        "--latency",
        type=float,
        default=0.0,
        help="seconds added to every server request (default %(default)s)",
    )
    parser.add_argument(
        "--https",
        action="store_true",
        help="serve the servers over HTTPS with a self-signed certificate (its PEM is in the "
        "summary)",
    )
    parser.add_argument(
        "--base-path",
        default="",
        help='serve the servers below a base path, e.g. "/emby" (default: none)',
    )
    parser.add_argument(
        "--wake-port",
        type=int,
        default=0,
        help="UDP port of the Wake-on-LAN listener on the loopback address the servers report "
        "in System/WakeOnLanInfo; 0 picks a free port (default %(default)s)",
    )
    parser.add_argument(
        "--wake-delay",
        type=float,
        default=2.0,
        help="seconds a sleeping server takes to answer after its magic packet (default "
        "%(default)s); POST /_sim/servers/<name>/sleep puts one to sleep",
    )
    parser.add_argument(
        "--profile",
        choices=sorted(PROFILES),
        default=DEFAULT_PROFILE,
        help="kind of server every demo server simulates: Emby 4.6 (too old), 4.7, 4.8, 4.9, "
        "or a Jellyfin 10.x server (default %(default)s)",
    )
    parser.add_argument(
        "--proxy",
        choices=("local", "remote", "both"),
        default=None,
        help="put a reverse proxy that publishes only /emby/... and /embywebsocket in front of "
        "that listener of every demo server (default: none)",
    )
    parser.add_argument(
        "--seed", type=int, default=None, help="seed ids and tokens for reproducible runs"
    )
    parser.add_argument(
        "--empty", action="store_true", help="start without the demo account and servers"
    )
    parser.add_argument("--verbose", action="store_true", help="log requests to stderr")
    return parser


async def serve(args: argparse.Namespace) -> None:
    """Start the simulator, print the summary and serve until a stop signal."""
    sim = EmbySimulator(host=args.host, port=args.port, seed=args.seed, wake_port=args.wake_port)
    await sim.start()
    try:
        if not args.empty:
            await sim.load_demo(
                servers=args.servers,
                https=args.https,
                base_path=args.base_path,
                latency=args.latency,
                first_port=args.server_port,
                profile=args.profile,
                proxy=args.proxy,
            )
        for server in sim.servers:
            server.wake_delay = args.wake_delay
        summary = sim.summary()
        if args.https:
            summary["certificate_pem"] = sim.certificate_pem
        print(json.dumps(summary), flush=True)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        await stop.wait()
    finally:
        await sim.stop()


def main(argv: list[str] | None = None) -> int:
    """Parse options and run; return the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        args.host = check_loopback(args.host)
    except ValueError as err:
        parser.error(str(err))
    if args.servers < 0:
        parser.error("--servers must be 0 or more")
    if args.wake_delay < 0:
        parser.error("--wake-delay must be 0 or more")
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        asyncio.run(serve(args))
    except OSError as err:
        print(f"embysim: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
