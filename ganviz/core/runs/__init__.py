"""Runs: training driven from outside the trainer, in child processes and in parallel.

The trainer process (engine, batched_engine), one run and the commands and settings it sends (run_model, commands,
settings), compare mode (compare) and sweeps (sweep, sweep_batched, sweep_dask, sweep_results)."""
