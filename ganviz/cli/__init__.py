"""Command line: `ganviz` opens the window; `ganviz train`, `ganviz dirac` and `ganviz sweep` work headless.

One module per command (train, window, dirac, sweep) over the shared flags of `ganviz.cli.args`; each is imported
only when its command runs, so `ganviz train` never loads Qt."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["train"]:
        from ganviz.cli.train import train_main

        return train_main(argv[1:])
    if argv[:1] == ["dirac"]:
        from ganviz.cli.dirac import dirac_main

        return dirac_main(argv[1:])
    if argv[:1] == ["sweep"]:
        from ganviz.cli.sweep import sweep_main

        return sweep_main(argv[1:])
    from ganviz.cli.window import window_main

    return window_main(argv)
