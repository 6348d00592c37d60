"""The timeline's snapshot ring: order, bounds, copies that never change, pinned frames, shape changes."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from ganviz.core.analysis.frames import Frame
from ganviz.core.analysis.snapshots import MAX_RING_ROWS, SnapshotRing, thinning_victim
from tests.frame_factory import make_frame


def assert_same(stored: Frame, original: Frame) -> None:
    assert stored.step == original.step
    for name in ("fakes", "surface", "fake_class", "pad_class"):
        np.testing.assert_array_equal(getattr(stored, name), getattr(original, name))
        assert not np.shares_memory(getattr(stored, name), getattr(original, name))  # a copy, not the builder's
        assert not getattr(stored, name).flags.writeable
    for got, want in zip(stored.boundary, original.boundary):
        np.testing.assert_array_equal(got, want)


def test_keeps_the_first_and_the_newest_in_order_as_unchanging_copies():
    ring = SnapshotRing(4)
    originals = [make_frame(s) for s in range(10)]
    for f in originals:
        ring.append(f)
    assert len(ring) == 4
    assert ring.steps() == [0, 5, 8, 9]  # thinned with age; the start of the run stays reachable
    assert ring[-1].step == 9 and ring[0].step == 0
    for stored in ring:
        assert_same(stored, originals[stored.step])  # the slots reused by later frames hold the right data
    with pytest.raises(IndexError):
        ring[4]


def test_the_whole_run_stays_reachable_with_gaps_growing_with_age():
    ring = SnapshotRing(40)
    for s in range(0, 20_000, 10):
        ring.append(make_frame(s, n=4))
    steps = np.array(ring.steps())
    assert len(steps) == 40 and steps[0] == 0 and steps[-1] == 19_990
    gaps = np.diff(steps)
    assert np.all(gaps > 0)  # ascending
    assert np.all(gaps[-5:] == 10)  # the newest are as dense as they were taken
    assert np.all(np.diff(gaps) <= 0)  # never denser further back
    # about geometric: each gap is a bounded fraction of its age (no long stretch kept densely)
    ages = 20_000 - steps[:-1]  # of each gap's older end
    assert np.all(gaps[:-5] / ages[:-5] < 0.5) and np.all(gaps[:-5] / ages[:-5] > 0.05)


def test_thinning_victim_picks_the_smallest_gap_relative_to_age():
    assert thinning_victim([0, 1], 2) == 0  # too few to thin: the oldest goes
    assert thinning_victim([0, 10, 20, 30], 40) == 1  # equal gaps: the oldest middle one
    assert thinning_victim([0, 100, 101, 200], 300) == 2  # gap 100 over age 199 beats gap 101 over age 200
    assert thinning_victim([0, 50, 100, 110, 120], 130) == 3  # 100..120 is dense for its age
    assert thinning_victim([0, 10, 20, 100, 110], 120) == 1  # 0..20 is denser for its age


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
    assert ring.append(make_frame(3)) is None  # nothing pinned: nothing returned
    assert ring.steps() == [0, 2, 3]
    shown = ring[1]  # step 2: the next to be thinned
    detached = ring.append(make_frame(4), pinned=shown)
    assert detached is not None and detached.step == 2
    assert_same(detached, make_frame(2))  # its own arrays: the slot now holds step 4
    assert_same(ring[-1], make_frame(4))
    assert ring.append(make_frame(5), pinned=ring[0]) is None  # pinned but not dropped (the first is kept)


def test_longer_boundaries_and_new_shapes_get_new_rings_without_touching_stored_frames():
    ring = SnapshotRing(4)
    first = [make_frame(s) for s in range(3)]
    for f in first:
        ring.append(f)
    longer = make_frame(3, boundary=50)  # a level line with more points than any before
    other_size = make_frame(4, n=60)  # new settings: a fixed batch of another size
    ring.append(longer)
    ring.append(other_size)
    assert [f.step for f in ring] == [0, 2, 3, 4]
    for stored, original in zip(ring, [first[0], first[2], longer, other_size]):
        assert_same(stored, original)
    ring.append(make_frame(5))
    assert_same(ring[-1], make_frame(5))


def test_resize_thins_and_follows_the_pinned_frame():
    ring = SnapshotRing(6)
    for s in range(6):
        ring.append(make_frame(s))
    kept_pin = ring.resize(3, pinned=ring[4])
    assert ring.steps() == [0, 4, 5]
    assert kept_pin is ring[1]  # the stored copy of the pinned frame
    middle = ring[1]
    dropped_pin = ring.resize(2, pinned=middle)
    assert ring.steps() == [0, 5]
    assert dropped_pin is not None and dropped_pin.step == 4
    for s in range(6, 9):
        ring.append(make_frame(s))
    assert_same(dropped_pin, make_frame(4))
    assert ring.resize(8) is None and ring.steps() == [7, 8]  # two slots: plain first-in, first-out
    ring.append(make_frame(9))
    assert ring.steps() == [7, 8, 9]


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
    assert [ring.position(f) for f in ring] == [0, 1, 2] and ring.steps() == [0, 2, 3]
    assert ring.position(make_frame(2)) is None  # an equal-looking frame is not the stored one


def test_a_longer_level_line_moves_the_stored_ones_into_its_ring_so_old_rings_go():
    """Defect B19: each longer boundary made a new 400-slot ring and the stored frames (the first one is always
    kept) held every old ring alive: ~60 MB of boundary rings after a few minutes of switching surfaces."""
    ring = SnapshotRing(6)
    shown = None
    for s in range(40):
        detached = ring.append(make_frame(s, boundary=7 + 5 * s), pinned=shown)  # each line longer than the last
        shown = detached or shown
        if s == 36:
            shown = ring[-1]  # the timeline shows this one: it keeps its arrays and its identity
    assert ring.position(shown) is not None
    for i, name in enumerate(("boundary_x", "boundary_y")):
        block = ring._rings[name].data  # the one ring each: every stored line but the shown one lives there
        assert all(np.shares_memory(f.boundary[i], block) for f in ring if f is not shown)
        assert block.shape[1] < 2 * (7 + 5 * 39)  # headroom, not unbounded
    for stored in ring:
        assert_same(stored, make_frame(stored.step, boundary=7 + 5 * stored.step))


def test_a_very_long_level_line_gets_its_own_copy_not_a_ring_that_long():
    ring = SnapshotRing(3)
    ring.append(make_frame(0))
    huge = make_frame(1, boundary=MAX_RING_ROWS + 1)
    ring.append(huge)
    ring.append(make_frame(2))
    assert_same(ring[1], huge)
    assert ring._rings["boundary_x"].data.shape[1] <= MAX_RING_ROWS
    assert not np.shares_memory(ring[1].boundary[0], huge.boundary[0]) and not ring[1].boundary[0].flags.writeable
