"""Latent explorer: colours, probe, segments, slices, selection, timeline — numbers against the definitions."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch
import torch.nn.functional as F

pytest.importorskip("PySide6")

from ui_helpers import TINY, frame_where  # noqa: E402

from ganviz.core.analysis.latent import LatentSlice, colour_classes, generate, pad_grid, segment  # noqa: E402
from ganviz.core.analysis.metrics import nearest_centre  # noqa: E402
from ganviz.core.data.datasets import get_dataset  # noqa: E402
from ganviz.core.training.trainer import Trainer  # noqa: E402

GRID = TINY.replace(seed=5, dataset="grid25")


def test_colour_classes_are_nearest_centre_within_3_sigma():
    ds = get_dataset("grid25")
    rng = np.random.default_rng(0)
    x = np.concatenate(
        [ds.centres[rng.integers(0, 25, 300)] + 0.05 * rng.standard_normal((300, 2)), rng.uniform(-5, 5, (300, 2))]
    ).astype(np.float32)
    classes, palette = colour_classes(x, ds)
    k, dist = nearest_centre(x, ds.centres)
    expected = np.where(dist < 3 * ds.sigma, k, 25)
    assert np.array_equal(classes, expected)
    assert palette.shape == (26, 4) and tuple(palette[25]) == (150, 150, 150, 150)  # grey: no mode
    assert len({tuple(c) for c in palette[:25]}) == 25  # every mode its own colour


def test_position_colours_for_non_mixture_data():
    ds = get_dataset("moons")
    x0, x1, y0, y1 = ds.extent
    pts = np.array([[x0 + 0.01, y0 + 0.01], [x1 - 0.01, y1 - 0.01], [(x0 + x1) / 2, (y0 + y1) / 2]], np.float32)
    classes, palette = colour_classes(pts, ds)
    assert list(classes) == [0, 63, 4 * 8 + 4] and len(palette) == 64


def test_pad_colours_and_fake_colours_agree_for_2d_latents(qtbot, make_main_window):
    w = make_main_window(GRID)
    frame = frame_where(qtbot, w, lambda f: True)
    assert np.array_equal(frame.pad_points, w.builder.mirror.z_fixed.cpu().numpy())
    assert np.array_equal(frame.pad_class, frame.fake_class)
    expected, _ = colour_classes(frame.fakes, get_dataset("grid25"))
    assert np.array_equal(frame.fake_class, expected)
    w._colour_by_class(True)
    colours = w.data_panel.fake.colours()
    assert np.array_equal(colours, frame.palette[frame.fake_class])
    pad_colours = w.latent_panel.points.colours()
    assert np.array_equal(pad_colours, frame.palette[frame.pad_class])


def test_probe_and_segment_are_g_of_their_latents(qtbot, make_main_window):
    w = make_main_window(GRID)
    w.step_once()
    frame_where(qtbot, w, lambda f: f.step == 1)
    lp = w.latent_panel
    lp.move_probe(np.array([0.3, -0.4], np.float32))
    ref = Trainer(GRID)
    ref.step(1)
    x = generate(ref.G, np.array([[0.3, -0.4]], np.float32), torch.device("cpu"))[0]
    # G(z) from the window's own copy of G, holding the weights of the frame on screen (step 1)
    px, py = w.data_panel.probe.getData()
    assert np.allclose([px[0], py[0]], x, atol=1e-6)
    lp.draw_segment(np.array([-1.0, -1.0], np.float32), np.array([1.0, 0.5], np.float32))
    path = generate(
        ref.G, segment(np.array([-1.0, -1.0], np.float32), np.array([1.0, 0.5], np.float32)), torch.device("cpu")
    )
    sx, sy = w.data_panel.path.getData()
    np.testing.assert_allclose(np.column_stack([sx, sy]), path, atol=1e-6)


def test_slice_with_fixed_sliders_is_g_of_the_assembled_latents(qtbot, make_main_window):
    w = make_main_window(GRID.replace(zdim=4))
    frame_where(qtbot, w, lambda f: True)
    lp = w.latent_panel
    lp.axis_x.setCurrentIndex(1)
    lp.axis_y.setCurrentIndex(3)
    lp.sliders[0].setValue(0.5)
    lp.sliders[2].setValue(-0.25)
    expected_slice = LatentSlice((1, 3), (0.5, 0.0, -0.25, 0.0))
    frame = frame_where(qtbot, w, lambda f: f.latent == expected_slice)
    z = expected_slice.assemble(pad_grid(50, 1.0), 4)
    assert np.allclose(z[:, 0], 0.5) and np.allclose(z[:, 2], -0.25)
    g = generate(w.builder.mirror.G, z, torch.device("cpu"))
    classes, _ = colour_classes(g, get_dataset("grid25"))
    assert np.array_equal(frame.pad_class, classes)
    lp.move_probe(np.array([0.2, 0.7], np.float32))
    x = generate(w.builder.mirror.G, np.array([[0.5, 0.2, -0.25, 0.7]], np.float32), torch.device("cpu"))[0]
    px, py = w.data_panel.probe.getData()
    assert np.allclose([px[0], py[0]], x, atol=1e-6)


def test_manifold_mesh_is_g_of_the_latent_grid(qtbot, make_main_window):
    w = make_main_window(GRID)
    frame_where(qtbot, w, lambda f: True)
    w.latent_panel.cells.setValue(4)
    w.latent_panel.manifold.setChecked(True)
    frame = frame_where(qtbot, w, lambda f: f.manifold is not None)
    mx, my = frame.manifold
    grid = generate(w.builder.mirror.G, pad_grid(5, 1.0), torch.device("cpu"))
    drawn = np.column_stack([mx, my])[np.isfinite(mx)]
    assert len(drawn) == 2 * 25  # 5 lines each way, 5 points each
    np.testing.assert_allclose(drawn[:5], grid[:5], atol=1e-6)  # the first row of the grid


def test_selected_sample_info_matches_autograd(qtbot, make_main_window):
    w = make_main_window(GRID)
    w.step_once()  # one step: the numbers must come from the networks as trained, not as initialised
    frame = frame_where(qtbot, w, lambda f: f.step == 1)
    w.select_sample(11)
    qtbot.waitUntil(lambda: w.selection_info() is not None, timeout=30_000)  # the worker's next frame
    info = w.selection_info()
    # independently: the same run replayed in this process, on copies of its networks
    ref = Trainer(GRID)
    ref.step(1)
    G, D = copy.deepcopy(ref.G).eval(), copy.deepcopy(ref.D).eval()
    z = ref.z_fixed[11:12].clone()
    with torch.no_grad():
        x = G(z)
    x.requires_grad_(True)
    d = D(x)
    (grad,) = torch.autograd.grad(F.softplus(-d).mean(), x)  # non-saturating L_G = −log σ(D(G(z)))
    assert info["index"] == 11 and info["d_label"] == "D(G(z))"
    np.testing.assert_allclose(info["z"], z.numpy()[0], atol=0)
    np.testing.assert_allclose(info["x"], x.detach().numpy()[0], atol=1e-6)
    np.testing.assert_allclose(info["x"], frame.fakes[11], atol=1e-6)  # sample 11 of the fixed batch drawn
    assert info["d"] == pytest.approx(float(torch.sigmoid(d)), abs=1e-6)
    np.testing.assert_allclose(info["grad"], grad.numpy()[0], atol=1e-6)
    assert np.hypot(*info["grad"]) > 0
    sx, sy = w.data_panel.selected.getData()
    assert np.allclose([sx[0], sy[0]], info["x"], atol=1e-6)


def test_scrubbing_shows_the_stored_snapshot_and_memory_is_bounded(qtbot, make_main_window):
    w = make_main_window(GRID)
    w.timeline.capacity.setValue(10)
    w.start()
    qtbot.waitUntil(lambda: len(w.snapshots) == 10 and w.frame.step > 0, timeout=40_000)
    first = w.snapshots[0].step
    frame_where(qtbot, w, lambda f: len(w.snapshots) == 10 and w.snapshots[1].step > first + 1)
    assert len(w.snapshots) == 10  # full buffer: thinned, the first snapshot kept
    assert w.snapshots[0].step == first
    w.scrub_to(2)
    shot = w.snapshots[2]
    assert w.scrubbed is shot
    np.testing.assert_array_equal(w.data_panel.fake.positions(), shot.fakes)
    np.testing.assert_array_equal(w.data_panel.image.image, shot.surface)
    # what the snapshot showed, copied: when the full ring thins, the slot under `shot` is reused (the window then
    # gives the snapshot on screen arrays of its own, and `shot`'s arrays hold a newer frame's numbers)
    expected = shot.fakes.copy()
    drawn = []
    w.frame_drawn.connect(drawn.append)
    # training goes on (frames newer than the snapshot arrive); the view stays on the snapshot
    qtbot.waitUntil(lambda: len(drawn) >= 3 and drawn[-1].step > shot.step, timeout=20_000)
    np.testing.assert_array_equal(w.data_panel.fake.positions(), expected)
    assert w.scrubbed.step == shot.step
    assert w.frame.step > shot.step
    w.go_live()
    frame = frame_where(qtbot, w, lambda f: f.step > shot.step)
    qtbot.waitUntil(lambda: np.array_equal(w.data_panel.fake.positions(), w.frame.fakes), timeout=10_000)
    assert frame.step > shot.step


def test_the_snapshot_on_screen_survives_being_dropped_from_the_timeline(qtbot, make_main_window):
    """Snapshots live in reused ring slots: the one being looked at must keep its data when its slot is reused."""
    w = make_main_window(GRID)
    w.timeline.capacity.setValue(10)
    w.start()
    qtbot.waitUntil(lambda: len(w.snapshots) == 10 and w.frame.step > 0, timeout=40_000)
    w.scrub_to(1)  # the first is always kept; the second is the next to be thinned out
    oldest = w.snapshots[1]
    fakes, surface = oldest.fakes.copy(), oldest.surface.copy()
    # thinned out: its slot takes the next snapshot at once, so the window must have detached its own copy
    qtbot.waitUntil(lambda: all(f.step != oldest.step for f in w.snapshots), timeout=20_000)
    assert w.scrubbed is not oldest and w.scrubbed.step == oldest.step  # its own copy now
    np.testing.assert_array_equal(w.scrubbed.fakes, fakes)
    np.testing.assert_array_equal(w.data_panel.fake.positions(), fakes)
    np.testing.assert_array_equal(w.data_panel.image.image, surface)
    assert "no longer stored (thinned out)" in w.timeline.label.text()
