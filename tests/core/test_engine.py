"""The trainer child process: it dies with its window, survives odd commands, reports its errors, is forced
to stop when it will not, and its published state never reads torn; a session can be written after it died."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
import torch
from waiting import wait_for

from ganviz.core.files.session import load_session
from ganviz.core.runs.commands import SetLearningRates, SetObjective, Step
from ganviz.core.runs.engine import G_LOSS, SEQ, STEP, SharedState, TrainerProcess, state_tensors
from ganviz.core.training.config import TrainConfig

TINY = TrainConfig(hidden=16, layers=2, batch=32, seed=4)
LINUX = sys.platform.startswith("linux")


@pytest.fixture
def engine():
    e = TrainerProcess(TINY)
    yield e
    e.close()


def published_step(engine: TrainerProcess, step: int) -> bool:
    pub = engine.poll()
    return engine.last_seq >= 0 and engine.mirror.step_count == step and (pub is None or pub.step == step)


# --- the child never outlives its window --------------------------------------------------------

WINDOW = textwrap.dedent(
    """
    import sys, threading, time
    from ganviz.core.runs.commands import Start
    from ganviz.core.training.config import TrainConfig
    from ganviz.core.runs.engine import TrainerProcess

    if __name__ == "__main__":
        made = []
        make = lambda: made.append(TrainerProcess(TrainConfig(hidden=16, layers=2, batch=32, seed=1)))
        if sys.argv[1] == "thread":  # started by a thread that ends at once: no parent-death signal for it
            t = threading.Thread(target=make)
            t.start()
            t.join()
        else:
            make()
        engine = made[0]
        engine.send(Start())
        deadline = time.monotonic() + 120
        while engine.last_seq < 0 or engine.mirror.step_count < 5:  # training, and past its thread's end
            engine.poll()
            if time.monotonic() > deadline:
                sys.exit("the trainer never published")
            time.sleep(0.01)
        print(engine.process.pid, flush=True)
        time.sleep(300)
    """
)


def gone(pid: int) -> bool:
    """No such process, or only its zombie (PID 1 here may reap late)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return True
    return stat.rsplit(")", 1)[1].split()[0] in ("Z", "X")


def shm_files(pid: int) -> set[str]:
    """The /dev/shm files the process has mapped and that still have a name (multiprocessing's semaphores,
    sem.mp-*; torch's shared tensors are unlinked as soon as they are mapped)."""
    out = set()
    for line in Path(f"/proc/{pid}/maps").read_text().splitlines():
        parts = line.split(maxsplit=5)
        if len(parts) == 6 and parts[5].startswith("/dev/shm/") and not parts[5].endswith("(deleted)"):
            out.add(parts[5])
    return out


@pytest.mark.skipif(not LINUX, reason="reads /proc")
@pytest.mark.parametrize("started_by", ["main", "thread"])
def test_trainer_exits_soon_after_its_window_is_killed(tmp_path, child_env, started_by):
    """kill -9 of the window: the child goes (Linux's parent-death signal; the parent watch when the
    child was started from another thread) and the semaphores it held are unlinked."""
    seconds = child_ends_with_its_window(tmp_path, WINDOW, [started_by], child_env, "trainer", must_hold=True)
    print(f"\ntrainer started by the {started_by} thread exited {seconds:.2f} s after its window")


def child_ends_with_its_window(
    tmp_path, script_text: str, args: list[str], env, what: str, must_hold: bool = False
) -> float:
    """Run `script_text` as a window process that prints its trainer child's pid, kill -9 the window, and wait
    until the child has gone and the /dev/shm files it held are unlinked; the seconds the child outlived it."""
    script = tmp_path / "window.py"
    script.write_text(script_text)
    window = subprocess.Popen([sys.executable, str(script), *args], stdout=subprocess.PIPE, env=env, text=True)
    child = None
    try:
        line = window.stdout.readline()
        assert line.strip().isdigit(), f"the window script failed (exit {window.wait()})"
        child = int(line)
        held = shm_files(child)
        if must_hold:
            assert held, f"expected the {what} to hold multiprocessing semaphores in /dev/shm"
        window.kill()
        window.wait()
        killed = time.monotonic()
        wait_for(lambda: gone(child), timeout=10, what=f"the orphaned {what} to exit")
        seconds = time.monotonic() - killed
        wait_for(lambda: not any(os.path.exists(p) for p in held), timeout=10, what="its /dev/shm files to go")
        return seconds
    finally:
        if window.poll() is None:
            window.kill()
            window.wait()
        if child is not None and not gone(child):
            os.kill(child, signal.SIGKILL)  # the old behaviour: do not leave it spinning


# --- commands, errors, stopping -----------------------------------------------------------------


def test_an_unknown_command_is_rejected_and_training_goes_on(engine):
    engine.send(("no-such-command", 1))  # an old-style tuple: not a command
    engine.send(Step(3))
    wait_for(lambda: published_step(engine, 3), what="3 steps after the unknown command")
    assert ("rejected", ("no-such-command", "unknown command")) in engine.notices
    assert engine.alive and engine.error is None


def test_an_exception_in_the_child_reaches_the_parent(engine):
    wait_for(lambda: engine.poll() or engine.last_seq >= 0, what="the first publish")
    engine.send(SetObjective("bogus"))  # Trainer.set_objective raises in the child
    wait_for(lambda: (engine.poll(), engine.error)[1], what="the error report")
    assert "unknown objective 'bogus'" in engine.error.strip().splitlines()[-1]
    engine.process.join(30)
    assert engine.process.exitcode == 1


@pytest.mark.skipif(not hasattr(signal, "SIGSTOP"), reason="needs SIGSTOP")
def test_close_forces_a_child_that_does_not_stop(engine, monkeypatch):
    wait_for(lambda: engine.poll() or engine.last_seq >= 0, what="the first publish")
    forced = []
    for name in ("terminate", "kill"):
        real = getattr(engine.process, name)
        monkeypatch.setattr(engine.process, name, lambda real=real, name=name: (forced.append(name), real())[1])
    # frozen: it never reads the stop command, and on Linux only SIGKILL ends a stopped process, so close()
    # goes through terminate() and then kill()
    os.kill(engine.process.pid, signal.SIGSTOP)
    engine.close(timeout=0.5)
    assert not engine.alive
    assert forced and forced[0] == "terminate"
    assert engine.process.exitcode in (-signal.SIGTERM, -signal.SIGKILL)


# --- a session from what the child published, after it died -------------------------------------


def test_save_after_the_child_was_killed_writes_its_last_published_state(engine, tmp_path):
    engine.send(SetLearningRates(0.0005, None))  # a setting changed while it ran: the session must have it
    engine.send(Step(7))
    wait_for(lambda: published_step(engine, 7), what="7 steps")
    engine.process.kill()
    engine.process.join(30)
    path = str(tmp_path / "after.gvz")
    engine.save(path, {"loss": torch.zeros((2, 3)).numpy()})
    assert engine.notices.pop() == ("saved_published", (path, 7))
    session = load_session(path)
    assert session.step == 7 and session.config.lr_g == 0.0005
    saved = list(session.state["G"].values()) + list(session.state["D"].values())
    for a, b in zip(saved, state_tensors(engine.mirror), strict=True):
        assert torch.equal(a, b)
    trainer = session.make_trainer()  # and it trains on from there
    trainer.step(2)
    assert trainer.step_count == 9


@pytest.mark.skipif(not hasattr(signal, "SIGSTOP"), reason="needs SIGSTOP")
def test_a_save_the_child_died_before_answering_is_written_from_the_published_state(engine, tmp_path):
    engine.send(Step(4))
    wait_for(lambda: published_step(engine, 4), what="4 steps")
    os.kill(engine.process.pid, signal.SIGSTOP)  # it will never read the save command
    path = str(tmp_path / "pending.gvz")
    engine.save(path)
    engine.process.kill()
    engine.process.join(30)
    engine.poll()
    assert ("saved_published", (path, 4)) in engine.notices
    assert load_session(path).step == 4


def test_save_after_the_child_died_in_the_middle_of_a_publish_uses_the_windows_copy(engine, tmp_path):
    engine.send(Step(3))
    wait_for(lambda: published_step(engine, 3), what="3 steps")
    engine.process.kill()
    engine.process.join(30)
    engine.poll()
    engine.shared.meta[SEQ] += 1  # as if killed inside SharedState.write: odd counter, half-written weights
    engine.shared.weights.fill_(float("nan"))
    path = str(tmp_path / "torn.gvz")
    engine.save(path)
    assert engine.notices.pop() == ("saved_published", (path, 3))
    saved = load_session(path).state
    for a, b in zip(list(saved["G"].values()) + list(saved["D"].values()), state_tensors(engine.mirror), strict=True):
        assert torch.equal(a, b)
    # the window had not read the last whole state (killed while the window lagged a publish or more behind, as
    # under load): its copy is older but whole, and is saved rather than the run lost (a window refused this, in
    # a test run under load)
    engine.last_seq -= 2
    engine.save(path + ".2")
    assert engine.notices.pop() == ("saved_published", (path + ".2", 3))
    saved = load_session(path + ".2").state
    for a, b in zip(list(saved["G"].values()) + list(saved["D"].values()), state_tensors(engine.mirror), strict=True):
        assert torch.equal(a, b)
    engine.last_seq = -1  # the window never read a state: there is none to save
    engine.save(path + ".3")
    assert engine.notices.pop() == (
        "save_failed",
        (path + ".3", "the trainer stopped while publishing, before the window had read any of its states"),
    )


def test_save_after_the_child_stopped_before_publishing_says_why(tmp_path):
    engine = TrainerProcess(TINY)
    try:
        engine.process.kill()  # before it could publish anything
        engine.process.join(30)
        path = str(tmp_path / "none.gvz")
        engine.save(path)
        assert engine.notices.pop() == ("save_failed", (path, "the trainer published nothing before it stopped"))
        assert not os.path.exists(path)
    finally:
        engine.close()


# --- the seqlock --------------------------------------------------------------------------------


def test_seqlock_never_returns_a_torn_read():
    """A writer thread publishes tensors all equal to a counter (torch releases the GIL while copying, so
    writes and reads truly overlap); every read that returns must hold a single counter value throughout."""
    sizes = (60_000, 20_000, 7)
    shared = SharedState(sum(sizes))
    stop = threading.Event()

    def writer() -> None:
        source = [torch.empty(n) for n in sizes]
        k = 0
        while not stop.is_set():
            k += 1
            for t in source:
                t.fill_(float(k))
            shared.write(source, {STEP: k, G_LOSS: -k})

    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    into = [torch.empty(n) for n in sizes]
    seen, consistent, attempts = set(), 0, 0
    try:
        wait_for(lambda: int(shared.meta[STEP]) > 0, what="the first write")
        while attempts < 10_000:
            attempts += 1
            pub = shared.read(into, tries=1)  # one attempt per read: a torn copy must be caught, not retried
            if pub is None:
                continue
            values = torch.cat(into)
            assert values.min() == values.max() == pub.step == -pub.g_loss, f"torn read at step {pub.step}"
            seen.add(pub.step)
            consistent += 1
    finally:
        stop.set()
        thread.join(10)
    assert consistent > 0 and len(seen) > 1, (consistent, len(seen))  # the writer ran while we read


def _die_mid_message(q) -> None:
    """A child that, like the trainer leaving with os._exit, cuts a large message short."""
    import struct

    os.write(q._writer.fileno(), struct.pack("!i", 1_000_000) + b"x" * 100)  # a header for 1 MB, 100 bytes of it
    os._exit(0)


def test_a_message_cut_short_by_a_dead_child_ends_the_reading_instead_of_blocking():
    import multiprocessing
    import queue

    from ganviz.core.runs.engine import reader_only

    ctx = multiprocessing.get_context("spawn")
    q = ctx.Queue()
    child = ctx.Process(target=_die_mid_message, args=(q,))
    child.start()
    reader_only(q)  # without it (seen) the read below blocks for ever
    child.join(60)
    outcome = []

    def read():
        try:
            q.get_nowait()
            outcome.append("message")
        except (queue.Empty, EOFError, OSError) as e:
            outcome.append(type(e).__name__)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(10)
    assert not reader.is_alive(), "reading a cut message blocked (the parent's own write end keeps the pipe open)"
    assert outcome and outcome[0] != "message"


def test_the_window_side_only_reads_the_results_pipe(engine):
    assert engine.results._writer.closed  # see reader_only: a cut message must read as EOF, not block a close
