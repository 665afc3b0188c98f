"""Figures of the benchmarks: printed as they come and kept as JSON, so runs can be compared.

A benchmark reports each figure with one call; the file that calls is the benchmark:

    from benchmarks import report
    report.section("(1) time to connected with a dead local address")
    report.figure("local refused: connected in", 0.118, "s", target="<= 0.25 s", met=True)

Each figure is printed at once (to the console scripts/bench keeps for figures, while the rest
of the output, Home Assistant's log included, goes to a file) and the benchmark's JSON is
rewritten: artifacts/benchmarks/<run>/<benchmark>.json, with the commit, the machine's load
average when the benchmark started and at its last figure, and every figure. A run is one
scripts/bench (EMBY_BENCH_RUN names it), or one benchmark started by hand.

Compare two runs side by side (default: the two newest):

    .venv/bin/python -m benchmarks.report compare [RUN_A RUN_B]
"""

from __future__ import annotations

import argparse
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
import importlib.metadata
import inspect
import json
import math
import os
from pathlib import Path
import platform
import re
import subprocess
import sys
from typing import IO, Any

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "artifacts" / "benchmarks"
# A figure given as text ("0.12 s", "1.31x (120 / 92 ms)", "never"): its leading number and unit.
LEADING_NUMBER = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*([^\s(]*)")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _git(*args: str) -> str:
    try:
        done = subprocess.run(  # noqa: S603 - git, with fixed arguments
            ["git", *args],  # noqa: S607 - git from PATH, as a developer runs it
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        )
    except OSError, subprocess.SubprocessError:
        return ""
    return done.stdout.strip()


def _version(package: str) -> str | None:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return None


def _default_run() -> str:
    commit = _git("rev-parse", "--short", "HEAD") or "unknown"
    return f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{commit}"


@dataclass(kw_only=True)
class Figure:
    """One figure: its value and unit, how it was shown, and its target if it has one."""

    name: str
    value: float | None
    unit: str
    shown: str
    target: str | None = None
    met: bool | None = None


@dataclass(kw_only=True)
class Benchmark:
    """What one benchmark reported in this run, and where it ran."""

    benchmark: str
    run: str
    commit: str
    dirty: bool
    started: str
    updated: str
    machine: dict[str, Any]
    figures: list[Figure] = field(default_factory=list)

    @property
    def path(self) -> Path:
        """Return the JSON file of this benchmark in its run."""
        return ARTIFACTS / self.run / f"{self.benchmark}.json"

    def write(self) -> None:
        """Rewrite the JSON file with every figure so far."""
        self.updated = _now()
        self.machine["load_average_last"] = list(os.getloadavg())
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(json.dumps(asdict(self), indent=2) + "\n", encoding="utf-8")


_BENCHMARKS: dict[str, Benchmark] = {}
_RUN = os.environ.get("EMBY_BENCH_RUN") or _default_run()


_CONSOLE: list[IO[str]] = []


def _console() -> IO[str]:
    """Return where figures are printed: the console scripts/bench passes, else stdout.

    Opened on the first figure: a benchmark's child processes import this module too, and
    have no such file descriptor.
    """
    if not _CONSOLE and (fd := os.environ.get("EMBY_BENCH_CONSOLE")) is not None:
        try:
            _CONSOLE.append(os.fdopen(int(fd), "w", buffering=1, closefd=False))
        except OSError, ValueError:
            os.environ.pop("EMBY_BENCH_CONSOLE")
    return _CONSOLE[0] if _CONSOLE else sys.stdout


def _benchmark(name: str) -> Benchmark:
    if (known := _BENCHMARKS.get(name)) is not None:
        return known
    started = _now()
    created = _BENCHMARKS[name] = Benchmark(
        benchmark=name,
        run=_RUN,
        commit=_git("rev-parse", "HEAD") or "unknown",
        dirty=bool(_git("status", "--porcelain", "--untracked-files=no")),
        started=started,
        updated=started,
        machine={
            "cpus": os.cpu_count(),
            "load_average_start": list(os.getloadavg()),
            "python": platform.python_version(),
            "homeassistant": _version("homeassistant"),
            "platform": platform.platform(),
        },
    )
    return created


def _caller() -> str:
    """Return the benchmark calling: the stem of the file two frames up."""
    frame = inspect.currentframe()
    caller = frame.f_back.f_back if frame and frame.f_back else None
    filename = caller.f_globals.get("__file__", "benchmark") if caller else "benchmark"
    return Path(filename).stem


def _show(number: float | None, unit: str) -> str:
    """Format a value for people: short durations in milliseconds."""
    if number is None:
        return "none"
    if unit == "s" and abs(number) < 1:
        return f"{number * 1000:.1f} ms"
    return f"{number:.4g} {unit}".strip()


def section(title: str) -> None:
    """Print a heading between figures."""
    print(title, file=_console(), flush=True)


def figure(
    name: str,
    value: float | str | None,
    unit: str = "",
    *,
    target: str | None = None,
    met: bool | None = None,
    show: bool = True,
) -> Figure:
    """Report one figure: print it and keep it in the benchmark's JSON.

    `value` is a number in `unit`, or the text the benchmark shows ("0.12 s", "never"), whose
    leading number and unit are kept as the value. `target` says what it should be, `met`
    whether it is. `show=False` keeps it in the JSON only (a table printed with section()
    shows it already).
    """
    if isinstance(value, str):
        shown = value
        match = LEADING_NUMBER.match(value)
        number = float(match.group(1)) if match else None
        unit = unit or (match.group(2) if match else "")
    else:
        number = None if value is None or math.isnan(value) else float(value)
        shown = _show(number, unit)
    result = Figure(name=name, value=number, unit=unit, shown=shown, target=target, met=met)
    benchmark = _benchmark(_caller())
    benchmark.figures.append(result)
    benchmark.write()
    if not show:
        return result
    verdict = "" if met is None else ("  MET" if met else "  MISSED")
    aim = f"   target {target}" if target else ""
    print(f"  {name}: {shown}{aim}{verdict}", file=_console(), flush=True)
    return result


# -- comparing runs --------------------------------------------------------------------------


def _runs() -> list[Path]:
    return (
        sorted(path for path in ARTIFACTS.iterdir() if path.is_dir()) if ARTIFACTS.is_dir() else []
    )


def _load(run: Path) -> dict[str, dict[str, Any]]:
    return {
        path.stem: json.loads(path.read_text(encoding="utf-8"))
        for path in sorted(run.glob("*.json"))
    }


def _change(old: float | None, new: float | None) -> str:
    if old is None or new is None:
        return ""
    if old == 0:
        return "" if new == 0 else "new"
    return f"{(new - old) / abs(old) * 100:+.0f} %"


def compare(first: Path, second: Path) -> None:
    """Print the figures of two runs side by side, with the change from the first."""
    old, new = _load(first), _load(second)
    print(f"A: {first.name}\nB: {second.name}")
    for name in sorted(old.keys() | new.keys()):
        a, b = old.get(name, {}), new.get(name, {})
        print(f"\n{name}")
        for label, data in (("A", a), ("B", b)):
            if data:
                machine = data["machine"]
                load = ", ".join(f"{value:.2f}" for value in machine["load_average_start"])
                print(
                    f"  {label}: commit {data['commit'][:10]}{' (dirty)' if data['dirty'] else ''}, "
                    f"{machine['cpus']} cores, load average at start {load}, "
                    f"homeassistant {machine['homeassistant']}"
                )
        figures_a = {item["name"]: item for item in a.get("figures", [])}
        figures_b = {item["name"]: item for item in b.get("figures", [])}
        names = list(figures_a) + [item for item in figures_b if item not in figures_a]
        width = min(max((len(item) for item in names), default=0), 64)
        for item in names:
            fa, fb = figures_a.get(item, {}), figures_b.get(item, {})
            label = item if len(item) <= width else item[: width - 1] + "~"
            print(
                f"  {label.ljust(width)}  A {fa.get('shown', '-'):>14}  B {fb.get('shown', '-'):>14}"
                f"  {_change(fa.get('value'), fb.get('value')):>7}"
            )


def main() -> int:
    """Command line: compare two runs."""
    parser = argparse.ArgumentParser(description="Compare two benchmark runs side by side.")
    parser.add_argument("command", choices=["compare"])
    parser.add_argument("runs", nargs="*", help="two run folders (default: the two newest)")
    args = parser.parse_args()
    runs = [Path(run) if Path(run).is_dir() else ARTIFACTS / run for run in args.runs]
    if not runs:
        runs = _runs()[-2:]
    if len(runs) != 2 or not all(run.is_dir() for run in runs):
        print("report: give two runs under artifacts/benchmarks/ (or run scripts/bench twice)")
        return 2
    compare(*runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
