"""The benchmarks' shared reporting: figures printed, kept as JSON, and runs compared."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks import report

BENCHMARKS = Path(__file__).parent.parent / "benchmarks"


@pytest.fixture(autouse=True)
def artifacts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Write the reports under a temporary folder, in a run of the test's own."""
    monkeypatch.setattr(report, "ARTIFACTS", tmp_path)
    monkeypatch.setattr(report, "_RUN", "run-a")
    monkeypatch.setattr(report, "_BENCHMARKS", {})
    return tmp_path


def test_figures_are_printed_and_kept_with_commit_and_load(
    artifacts: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Numbers and shown text both become values; the JSON says where and when it ran."""
    report.figure("connected in", 0.1234, "s", target="<= 0.25 s", met=True)
    report.figure("ratio", "1.31x (120 / 92 ms)", target="<= 1.5x", met=True)
    report.figure("back after the outage", "never", met=False)
    report.figure("p95 (in a table)", 0.0009, "s", show=False)

    printed = capsys.readouterr().out.splitlines()
    assert printed == [
        "  connected in: 123.4 ms   target <= 0.25 s  MET",
        "  ratio: 1.31x (120 / 92 ms)   target <= 1.5x  MET",
        "  back after the outage: never  MISSED",
    ]
    data = json.loads((artifacts / "run-a" / "test_benchmark_report.json").read_text())
    assert data["benchmark"] == "test_benchmark_report"
    assert len(data["commit"]) == 40 or data["commit"] == "unknown"
    assert len(data["machine"]["load_average_start"]) == 3
    assert [(f["value"], f["unit"]) for f in data["figures"]] == [
        (0.1234, "s"),
        (1.31, "x"),
        (None, ""),
        (0.0009, "s"),
    ]


def test_two_runs_side_by_side(artifacts: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """compare prints each figure of both runs and the change from the first."""
    report.figure("requests per minute", 0.4, "requests/min")
    report._RUN = "run-b"
    report._BENCHMARKS.clear()
    report.figure("requests per minute", 0.5, "requests/min")
    capsys.readouterr()

    report.compare(artifacts / "run-a", artifacts / "run-b")

    out = capsys.readouterr().out
    assert "requests per minute" in out
    assert "0.4 requests/min" in out
    assert "0.5 requests/min" in out
    assert "+25 %" in out


def test_every_benchmark_reports_through_report() -> None:
    """scripts/bench shows only what report.py prints: each benchmark reports through it."""
    benchmarks = [
        path
        for path in BENCHMARKS.glob("*.py")
        if path.stem not in {"report", "conftest"} and not path.stem.startswith("_")
    ]
    assert benchmarks
    for path in benchmarks:
        text = path.read_text(encoding="utf-8")
        assert "from benchmarks import report" in text, f"{path.name} does not use report.py"
        assert "print(" not in text, f"{path.name} prints past report.py"
