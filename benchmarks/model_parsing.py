"""Benchmark the tolerant reader: parse a 200-session /Sessions answer; report figures and bounds.

Run from the repository root: `.venv/bin/python benchmarks/model_parsing.py` (or
`scripts/bench model_parsing`); the figures are printed and kept as JSON through
benchmarks/report.py. The sessions are
the real-world shapes of tests/fixtures/sessions.json, repeated. Exit status 1 when a figure
misses its bound. (This is the figure the mashumaro comparison in issue #10 was made with.)
"""

from __future__ import annotations

from collections.abc import Callable
import copy
import json
from pathlib import Path
import statistics
import sys
import time

# A script in a checkout: make the repository importable (custom_components).
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import report
from custom_components.emby_connect.aioemby import Session

SESSIONS = 200
RUNS = 200
# A poll every 30 s (5 min with push) may spend a few ms; 20 ms would be noticeable on a Pi.
BOUND = 0.020
FIXTURE = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "sessions.json"


def _median(call: Callable[[], object]) -> float:
    """Return the median duration of RUNS calls, in seconds."""
    durations = []
    for _ in range(RUNS):
        started = time.perf_counter()
        call()
        durations.append(time.perf_counter() - started)
    return statistics.median(durations)


def main() -> int:
    """Report the parse time of SESSIONS sessions; return 1 when over the bound."""
    shapes = json.loads(FIXTURE.read_text(encoding="utf-8"))
    payload = [
        {**copy.deepcopy(shapes[index % len(shapes)]), "Id": f"s{index}"}
        for index in range(SESSIONS)
    ]
    text = json.dumps(payload)
    decode = _median(lambda: json.loads(text))
    parse = _median(lambda: Session.list_from(json.loads(text)))
    assert len(Session.list_from(payload)) == SESSIONS
    ok = parse <= BOUND
    report.section(
        f"{SESSIONS} sessions ({len(text) / 1024:.0f} KiB of JSON), medians of {RUNS} runs"
    )
    report.figure("json.loads", decode, "s")
    report.figure(
        "json.loads + Session.list_from",
        parse,
        "s",
        target=f"<= {BOUND * 1000:.0f} ms",
        met=ok,
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
