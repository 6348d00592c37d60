"""The parameters dock's Remedies group: one control per registered remedy, and where its edits go."""

from __future__ import annotations

import pytest

pytest.importorskip("PySide6")

from PySide6.QtWidgets import QCheckBox, QSpinBox  # noqa: E402

from ganviz.core.training.config import BOUNDS, TrainConfig  # noqa: E402
from ganviz.core.training.remedies import LIVE_FIELDS, REMEDIES  # noqa: E402
from ganviz.ui.params_dock import FloatEdit, ParamsDock  # noqa: E402


@pytest.fixture
def dock(qtbot):
    d = ParamsDock(TrainConfig(batch=64))
    qtbot.addWidget(d)
    d.sent = []
    d.live.connect(lambda name, args: d.sent.append(("live", name, args)))
    d.rebuild.connect(lambda changes: d.sent.append(("rebuild", changes)))
    return d


def commit(edit: FloatEdit, text: str) -> None:
    edit.setText(text)
    edit.editingFinished.emit()


def test_one_control_per_registered_remedy_with_its_bounds_label_and_formula(dock):
    rows = dict(dock.remedies.rows())
    assert [r for r in REMEDIES] == [r.name for r in dock.remedies.remedies]
    for name in REMEDIES:
        r = REMEDIES.get(name)
        w = dock.remedies.widgets[name]
        assert rows[r.label] is w
        assert r.formula in w.toolTip() and r.source in w.toolTip()
        bound = BOUNDS.get(r.field)
        if bound is None:
            assert isinstance(w, QCheckBox) and not w.isChecked()
        elif bound.integer:
            assert isinstance(w, QSpinBox) and (w.minimum(), w.maximum()) == (bound.low, bound.high)
        else:
            assert isinstance(w, FloatEdit) and (w.low, w.high) == (bound.low, bound.high) and w.low_inclusive


@pytest.mark.parametrize("name", ["instance-noise", "r2", "lecam", "consensus", "unroll"])
def test_a_live_remedy_is_sent_as_regularisers(dock, name):
    r = REMEDIES.get(name)
    assert r.field in LIVE_FIELDS
    w = dock.remedies.widgets[name]
    if isinstance(w, QSpinBox):
        w.setValue(3)
        value = 3
    else:
        commit(w, "0.25")
        value = 0.25
    assert dock.sent == [("live", "regularisers", ({r.field: value},))]


def test_a_value_out_of_bounds_is_not_sent(dock):
    w = dock.remedies.widgets["r2"]
    commit(w, "-1")
    commit(w, "1e5")
    assert dock.sent == [] and "needs a number ≥ 0 and ≤ 10000" in w.toolTip()


def test_extragradient_box_sets_the_update_and_back(dock):
    box = dock.remedies.widgets["extragradient"]
    box.setChecked(True)
    box.setChecked(False)
    assert dock.sent == [
        ("live", "regularisers", ({"update": "extragradient"},)),
        ("live", "regularisers", ({"update": "alt"},)),
    ]
    dock.show_config(TrainConfig(update="sim"))  # unticked goes back to the run's own update
    box.setChecked(True)
    box.setChecked(False)
    assert dock.sent[-1] == ("live", "regularisers", ({"update": "sim"},))


def test_optimistic_adam_box_and_the_optimiser_box_stay_in_step(dock):
    box = dock.remedies.widgets["optimistic-adam"]
    box.setChecked(True)
    assert dock.optimizer.currentText() == "optimistic-adam"
    assert dock.sent == [("live", "optimizer", ("optimistic-adam",))]
    dock.optimizer.setCurrentText("rmsprop")
    assert not box.isChecked()
    box.setChecked(True)
    box.setChecked(False)  # back to the optimiser it replaced
    assert dock.optimizer.currentText() == "rmsprop" and dock.sent[-1] == ("live", "optimizer", ("rmsprop",))


def test_pack_needs_new_networks_and_a_divisor_of_the_batch(dock):
    pack = dock.remedies.widgets["pack"]
    pack.setValue(2)
    assert dock.sent == [("rebuild", {"pack": 2})]
    pack.setValue(3)  # 64 samples do not make packs of 3
    assert dock.sent == [("rebuild", {"pack": 2})] and "not divisible by pack 3" in pack.toolTip()
    pack.setValue(4)
    dock.batch.setValue(66)  # nor does a live batch of 66 make packs of 4: the trainer would stop on it
    assert dock.sent[-1] == ("rebuild", {"pack": 4}) and "not divisible" in dock.batch.toolTip()
    dock.batch.setValue(68)
    assert dock.sent[-1] == ("live", "batch", (68,)) and dock.batch.styleSheet() == ""


def test_show_config_fills_the_remedies_without_sending(dock):
    c = TrainConfig(batch=64, r2=0.5, pack=4, unroll=2, update="extragradient", optimizer="optimistic-adam")
    dock.show_config(c)
    w = dock.remedies.widgets
    assert w["r2"].value() == 0.5 and w["pack"].value() == 4 and w["unroll"].value() == 2
    assert w["extragradient"].isChecked() and w["optimistic-adam"].isChecked() and not w["lecam"].value()
    assert dock.sent == []


def test_the_window_passes_a_live_remedy_to_the_trainer(qtbot):
    """Dock -> MainWindow's live handler -> engine -> Trainer.set_regularisers, with no window code of its own."""
    from ganviz.ui.main_window import MainWindow

    w = MainWindow(TrainConfig(hidden=16, layers=2, batch=32, seed=3))
    w.confirm = w.confirm_discard = lambda _q: True
    qtbot.addWidget(w)
    try:
        commit(w.params.remedies.widgets["r2"], "0.5")
        w.params.remedies.widgets["extragradient"].setChecked(True)
        assert w.config.r2 == 0.5 and w.config.update == "extragradient"
        engine = w.builder.engine
        qtbot.waitUntil(
            lambda: engine.child_config.r2 == 0.5 and engine.child_config.update == "extragradient", timeout=60000
        )
    finally:
        w.close()
