"""Soak: train with the live window for a long time and report memory (goals: RSS ≤ 600 MB, growth ≤ 20 MB).

Opens the main window under offscreen Qt, starts training, and samples the resident set size (VmRSS from
/proc, Linux) of the window process and of the trainer child every `--every` seconds. Growth is measured from
the end of the warm-up (the first `--warmup` seconds: imports, first surfaces, POT, buffers filling) to the
end. The timeline's snapshot buffer and the frame logs are bounded, so growth after warm-up should be flat;
the loss history grows by design (every step is kept, 11 float64 columns ≈ 90 bytes a step).

    python benchmarks/bench_soak.py                          # 10 minutes, 128×3 WGAN-GP on grid25
    python benchmarks/bench_soak.py --minutes 2 --objective nonsaturating --dataset ring8
    python benchmarks/bench_soak.py --actions                # and use the window as a person does meanwhile

With --actions, every --action-every seconds the next of ACTIONS runs (open and close the theory windows and the
compare window, switch objective and dataset, exports, help pages, the theory dock, sample clicks), so what
interactive use leaves behind shows up as growth; each action's RSS change is printed beside it.
"""

from __future__ import annotations

import argparse
import itertools
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def window_actions(window, folder: Path):
    """Endless: do one thing a person does in the window, yield its name, go on with the next."""
    from PySide6.QtWidgets import QMessageBox

    from ganviz.core.files.export import history_csv
    from ganviz.ui.export import export_panel

    QMessageBox.information = staticmethod(lambda *a, **k: QMessageBox.Ok)  # help pages: built, not shown modally
    objectives, datasets = ["nonsaturating", "wgan-gp", "lsgan", "hinge"], ["ring8", "grid25", "spiral"]
    for i in itertools.count():
        for key in ("dirac", "onedim", "digits"):
            theory = window.show_theory_window(key)
            yield f"open theory window {key}"
            theory.close()
            yield f"close theory window {key}"
        compare = window.show_compare()
        yield "open compare"
        compare.close()
        window.start()
        yield "close compare"
        window.theory_dock.setVisible(not window.theory_dock.isVisible())
        yield "toggle theory dock"
        window.set_objective(objectives[i % len(objectives)])
        yield "switch objective"
        window.set_dataset(datasets[i % len(datasets)])
        yield "switch dataset"
        for mode in ("dstar", "gradnorm", "d"):
            window.set_surface_mode(mode)
        yield "surface modes"
        export_panel(window.data_panel, str(folder / "data.png"))
        export_panel(window.loss_panel, str(folder / "loss.svg"))
        if window.frame is not None:
            history_csv(str(folder / "history.csv"), window.frame)
        yield "exports"
        window._show_help(objectives[i % len(objectives)])
        yield "help page"
        window.select_sample(i % 10)
        yield "click a sample"
        window.select_sample(None)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--minutes", type=float, default=10.0)
    p.add_argument("--warmup", type=float, default=60.0, help="seconds before the growth baseline")
    p.add_argument("--every", type=float, default=15.0, help="seconds between samples")
    p.add_argument("--objective", default="wgan-gp")
    p.add_argument("--dataset", default="grid25")
    p.add_argument("--hidden", type=int, default=128)
    p.add_argument("--actions", action="store_true", help="drive the window's menus while it trains")
    p.add_argument("--action-every", type=float, default=5.0, help="seconds between actions (with --actions)")
    args = p.parse_args()

    from PySide6.QtCore import QEvent
    from PySide6.QtWidgets import QApplication

    from ganviz.core.training.config import TrainConfig
    from ganviz.ui.main_window import MainWindow

    app = QApplication.instance() or QApplication([])
    window = MainWindow(TrainConfig(dataset=args.dataset, objective=args.objective, hidden=args.hidden, seed=0))
    window.confirm = lambda _question: True
    window.show()
    window.start()
    child = window.builder.engine.process.pid
    started = time.perf_counter()
    end = started + args.minutes * 60
    baseline: tuple[float, float] | None = None
    samples = []
    print(f"{args.hidden}×3 {args.objective} on {args.dataset}, {args.minutes:g} min; RSS in MB")
    print("      t   window    child    step   frames/s")
    next_sample = started
    actions = window_actions(window, Path(tempfile.mkdtemp(prefix="ganviz-soak-"))) if args.actions else None
    next_action = started + args.action_every
    while time.perf_counter() < end:
        app.processEvents()
        now = time.perf_counter()
        if actions is not None and now >= next_action:
            next_action += args.action_every
            before = rss_mb(os.getpid())
            name = next(actions)
            app.processEvents()
            # no exec() here: deleteLater()'s deletes (a closed WA_DeleteOnClose window) wait for an explicit send
            app.sendPostedEvents(None, QEvent.DeferredDelete)
            print(f"  {now - started:5.0f}s  {name:<28} {rss_mb(os.getpid()) - before:+7.1f} MB", flush=True)
        if now < next_sample:
            time.sleep(0.005)
            continue
        next_sample += args.every
        own, kid = rss_mb(os.getpid()), rss_mb(child)
        step = window.frame.step if window.frame else 0
        samples.append((now - started, own, kid))
        print(f"  {now - started:5.0f}s {own:8.1f} {kid:8.1f} {step:7d} {window.fps():8.1f}", flush=True)
        if baseline is None and now - started >= args.warmup:
            baseline = (own, kid)
    final_step = window.frame.step if window.frame else 0
    window.close()
    app.processEvents()
    t, own, kid = samples[-1]
    print(f"\nafter {t:.0f} s ({final_step:,} steps): window {own:.0f} MB + trainer {kid:.0f} MB = {own + kid:.0f} MB")
    if baseline is not None:
        grow_own, grow_kid = own - baseline[0], kid - baseline[1]
        print(
            f"growth after the {args.warmup:.0f} s warm-up: window {grow_own:+.1f} MB, trainer {grow_kid:+.1f} MB "
            f"(goal ≤ 20 MB; the loss history alone adds ≈ {final_step * 90 / 2**20:.1f} MB over the whole run)"
        )


if __name__ == "__main__":
    main()
