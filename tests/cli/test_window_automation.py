"""Checking the window from outside: --window-size, and --stats-json with where every plot is (also --compare)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from ganviz.cli.window import window_parser


def run_window(tmp_path, child_env, *flags: str) -> dict:
    stats = tmp_path / "stats.json"
    result = subprocess.run(
        [sys.executable, "-m", "ganviz", "--hidden", "16", "--layers", "2", "--batch", "32", "--run-for", "4"]
        + [*flags, "--stats-json", str(stats)],
        env=child_env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(stats.read_text())


def assert_plots_readable(panels: list[dict], size: tuple[int, int]) -> None:
    for p in panels:
        x, y, w, h = p["rect"]
        assert w >= 200 and h >= 120, p
        assert 0 <= x and x + w <= size[0] and 0 <= y and y + h <= size[1], p


def test_window_size_and_panel_geometry(tmp_path, child_env):
    stats = run_window(tmp_path, child_env, "--window-size", "1024x700")
    assert stats["window_size"] == [1024, 700]
    names = [p["name"] for p in stats["panels"]]
    assert "Samples and decision surface" in names and "Losses" in names
    assert_plots_readable(stats["panels"], (1024, 700))


def test_compare_mode_writes_stats_with_its_runs_and_panels(tmp_path, child_env):
    stats = run_window(tmp_path, child_env, "--compare", "nonsaturating,wgan-gp", "--window-size", "1280x720")
    assert stats["window_size"] == [1280, 720]
    assert stats["objectives"] == ["nonsaturating", "wgan-gp"]
    assert [r["objective"] for r in stats.get("runs", [])] in ([], ["nonsaturating", "wgan-gp"])
    names = [p["name"] for p in stats["panels"]]
    assert any(n.startswith("A · ") for n in names) and any(n.startswith("B · ") for n in names)
    assert_plots_readable(stats["panels"], (1280, 720))


@pytest.mark.parametrize("text", ["100x100", "1280", "1280x", "axb", "1280x720x3", "99999x720", "1280x-720"])
def test_a_bad_window_size_is_one_line_exit_2(text, capsys):
    with pytest.raises(SystemExit) as exc:
        window_parser().parse_args(["--window-size", text])
    err = capsys.readouterr().err
    assert exc.value.code == 2 and len(err.strip().splitlines()) == 1
    assert "--window-size" in err and "640 ≤ W ≤ 7680" in err
