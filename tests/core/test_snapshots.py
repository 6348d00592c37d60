"""The timeline's snapshot ring: order, bounds, copies that never change, pinned frames, shape changes."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from ganviz.core.frames import Frame
from ganviz.core.latent import LatentSlice
from ganviz.core.snapshots import SnapshotRing


def _readonly(a: np.ndarray) -> np.ndarray:
    a.setflags(write=False)
    return a


def make_frame(step: int, n: int = 40, boundary: int = 7) -> Frame:
    """A frame whose arrays all encode `step`, so a stored copy can be checked against its step."""
    rng = np.random.default_rng(step)
    return Frame(
        step=step,
        running=True,
        steps_per_s=1.0,
        objective="nonsaturating",
        family="gan",
        dataset="ring8",
        extent=(-3.0, 3.0, -3.0, 3.0),
        real=_readonly(np.zeros((5, 2), np.float32)),
        fakes=_readonly(rng.standard_normal((n, 2)).astype(np.float32)),
        surface=_readonly(np.full((6, 6), step, np.float32)),
        surface_kind="prob",
        surface_step=step,
        surface_labels=("D", "D = ½"),
        surface_max=(0.0, 0.0),
        arrows=None,
        theory=np.zeros((0, 2)),
        critic=None,
        surface_levels=(0.0, 1.0),
        boundary=(_readonly(np.arange(boundary, dtype=np.float64) + step), _readonly(np.full(boundary, -step, float))),
        history=np.zeros((0, 9)),
        quality=np.zeros((0, 6)),
        mode_counts=None,
        modes=None,
        fake_class=_readonly(np.full(n, step % 7, np.int16)),
        palette=np.zeros((8, 4), np.uint8),
        pad_points=np.zeros((n, 2), np.float32),
        pad_class=_readonly(np.full(n, step % 5, np.int16)),
        latent=LatentSlice((0, 1), (0.0, 0.0)),
        latent_lim=1.0,
        manifold=None,
        centres=None,
        device="cpu",
        build_ms=1.0,
    )


def assert_same(stored: Frame, original: Frame) -> None:
    assert stored.step == original.step
    for name in ("fakes", "surface", "fake_class", "pad_class"):
        np.testing.assert_array_equal(getattr(stored, name), getattr(original, name))
        assert not np.shares_memory(getattr(stored, name), getattr(original, name))  # a copy, not the builder's
        assert not getattr(stored, name).flags.writeable
    for got, want in zip(stored.boundary, original.boundary):
        np.testing.assert_array_equal(got, want)


def test_keeps_the_newest_in_order_as_unchanging_copies():
    ring = SnapshotRing(4)
    originals = [make_frame(s) for s in range(10)]
    for f in originals:
        ring.append(f)
    assert len(ring) == 4
    assert [f.step for f in ring] == [6, 7, 8, 9]
    assert ring[-1].step == 9 and ring[0].step == 6
    for stored, original in zip(ring, originals[6:]):
        assert_same(stored, original)  # the slots overwritten by later frames hold the right data
    with pytest.raises(IndexError):
        ring[4]


def test_stored_arrays_live_in_one_preallocated_block_per_field():
    ring = SnapshotRing(5)
    for s in range(12):
        ring.append(make_frame(s))
    block = ring._rings["fakes"].data
    assert block.shape == (5, 40, 2)
    assert all(np.shares_memory(f.fakes, block) for f in ring)


def test_a_pinned_frame_is_detached_before_its_slot_is_reused():
    ring = SnapshotRing(3)
    for s in range(3):
        ring.append(make_frame(s))
    shown = ring[0]
    assert ring.append(make_frame(3)) is None  # nothing pinned: nothing returned
    shown = ring[0]  # step 1
    detached = ring.append(make_frame(4), pinned=shown)
    assert detached is not None and detached.step == 1
    assert_same(detached, make_frame(1))  # its own arrays: the slot now holds step 4
    assert_same(ring[-1], make_frame(4))
    assert ring.append(make_frame(5), pinned=ring[-1]) is None  # pinned but not dropped


def test_longer_boundaries_and_new_shapes_get_new_rings_without_touching_stored_frames():
    ring = SnapshotRing(4)
    first = [make_frame(s) for s in range(3)]
    for f in first:
        ring.append(f)
    longer = make_frame(3, boundary=50)  # a level line with more points than any before
    other_size = make_frame(4, n=60)  # new settings: a fixed batch of another size
    ring.append(longer)
    ring.append(other_size)
    assert [f.step for f in ring] == [1, 2, 3, 4]
    for stored, original in zip(ring, [first[1], first[2], longer, other_size]):
        assert_same(stored, original)
    ring.append(make_frame(5))
    assert_same(ring[-1], make_frame(5))


def test_resize_keeps_the_newest_and_follows_the_pinned_frame():
    ring = SnapshotRing(6)
    for s in range(6):
        ring.append(make_frame(s))
    kept_pin = ring.resize(3, pinned=ring[4])
    assert [f.step for f in ring] == [3, 4, 5]
    assert kept_pin is ring[1]  # the stored copy of the pinned frame
    old = ring[0]
    dropped_pin = ring.resize(2, pinned=old)
    assert [f.step for f in ring] == [4, 5]
    assert dropped_pin is not None and dropped_pin.step == 3
    for s in range(6, 9):
        ring.append(make_frame(s))
    assert_same(dropped_pin, make_frame(3))
    assert ring.resize(8) is None and [f.step for f in ring] == [7, 8]
    ring.append(make_frame(9))
    assert [f.step for f in ring] == [7, 8, 9]


def test_clear_and_bad_capacity():
    ring = SnapshotRing(2)
    ring.append(make_frame(1))
    ring.clear()
    assert len(ring) == 0 and not ring and list(ring) == []
    with pytest.raises(ValueError, match="capacity"):
        SnapshotRing(0)


def test_a_stored_frame_is_the_same_frame_apart_from_where_its_arrays_live():
    original = make_frame(11)
    ring = SnapshotRing(2)
    ring.append(original)
    stored = ring[0]
    for field in dataclasses.fields(Frame):
        if field.name not in ("fakes", "surface", "fake_class", "pad_class", "boundary"):
            assert getattr(stored, field.name) is getattr(original, field.name), field.name


def test_position_is_by_identity():
    ring = SnapshotRing(3)
    for s in range(4):
        ring.append(make_frame(s))
    assert [ring.position(f) for f in ring] == [0, 1, 2]
    assert ring.position(make_frame(2)) is None  # an equal-looking frame is not the stored one
