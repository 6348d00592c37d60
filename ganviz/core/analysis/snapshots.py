"""The timeline's stored frames, their arrays kept in preallocated rings instead of hundreds of small arrays.

Why: a stored frame lives for minutes while every frame allocates and frees megabytes of temporaries. With
each snapshot's arrays (20-40 kB each) allocated on their own, glibc places them between those temporaries
and the heap can never shrink or be reused well: measured, 400 snapshots pinned 440 MB, and fixing glibc's
mmap threshold instead (to keep temporaries out of the heap) halved the frame builder's speed. Here each
large per-frame array of a stored frame is copied into one slot of a ring allocated once, so the heap sees
only the short-lived temporaries and a few small objects per snapshot.

The whole run stays reachable: once the store is full, each new snapshot replaces the one whose removal leaves
the smallest gap relative to its age, so recent steps stay dense and older ones thin out roughly geometrically
(the first snapshot, step 0 or the first after a reset, is always kept). A slot is overwritten when its frame
is dropped. A frame that must outlive that (the one the timeline shows) is passed as `pinned` and gets its own
copies first.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator

import numpy as np

from ganviz.core.analysis.frames import Frame

# the arrays of a frame that are new every frame (or every surface evaluation) and worth a ring
RING_FIELDS = ("fakes", "fake_class", "surface", "pad_class")
BOUNDARY = "boundary"  # (x, y) of the level line: varying length, stored in rings of the longest seen
MAX_RING_ROWS = 8192  # longer arrays get their own copy: a ring of 400 such lines (x and y) is ~50 MB
GROWTH = 1.5  # a ring outgrown by a longer array is replaced by one at least this many times longer


class _Ring:
    """`capacity` slots of arrays of up to `rows` rows of one shape and dtype; a slot's view is read-only."""

    def __init__(self, capacity: int, like: np.ndarray, rows: int) -> None:
        self.data = np.empty((capacity, rows, *like.shape[1:]), dtype=like.dtype)

    def fits(self, a: np.ndarray) -> bool:
        return a.dtype == self.data.dtype and a.shape[1:] == self.data.shape[2:] and len(a) <= self.data.shape[1]

    def store(self, slot: int, a: np.ndarray) -> np.ndarray:
        view = self.data[slot, : len(a)]
        view[...] = a
        view = view.view()  # a flag on its own view: the ring itself stays writable
        view.setflags(write=False)
        return view


def thinning_victim(steps: list[int] | np.ndarray, now: int) -> int:
    """Index of the snapshot to drop from `steps` (ascending) before one at step `now` is added.

    The first and the newest are kept; of the others, the one whose removal opens the smallest gap relative to
    its age (steps[i+1] − steps[i−1]) / (now − steps[i]). Repeated, this keeps gaps about proportional to age:
    dense near the live end, sparse towards step 0. With fewer than three snapshots the oldest goes."""
    s = np.asarray(steps, dtype=np.float64)
    if len(s) < 3:
        return 0
    gaps = np.abs(s[2:] - s[:-2])
    ages = np.maximum(np.abs(now - s[1:-1]), 1.0)
    return 1 + int(np.argmin(gaps / ages))  # argmin takes the first (oldest) of equal costs


class SnapshotRing:
    """A bounded, ordered store of frames (oldest first) with a deque's reading interface, thinned with age."""

    def __init__(self, capacity: int) -> None:
        if capacity < 1:
            raise ValueError(f"capacity must be ≥ 1, got {capacity}")
        self.capacity = capacity
        self._frames: list[Frame | None] = [None] * capacity
        self._order: list[int] = []  # slots, oldest frame first
        self._free = list(range(capacity - 1, -1, -1))
        self._rings: dict[str, _Ring] = {}
        self._pinned: Frame | None = None  # the frame the timeline shows, during `append`

    def __len__(self) -> int:
        return len(self._order)

    def __bool__(self) -> bool:
        return bool(self._order)

    def _slot(self, index: int) -> int:
        count = len(self._order)
        if index < 0:
            index += count
        if not 0 <= index < count:
            raise IndexError(f"snapshot {index} of {count}")
        return self._order[index]

    def __getitem__(self, index: int) -> Frame:
        frame = self._frames[self._slot(index)]
        assert frame is not None
        return frame

    def __iter__(self) -> Iterator[Frame]:
        for slot in self._order:
            frame = self._frames[slot]
            assert frame is not None
            yield frame

    def steps(self) -> list[int]:
        return [f.step for f in self]

    def position(self, frame: Frame) -> int | None:
        """Index of this very frame object (identity, not equality), None when it is not stored."""
        return next((i for i, f in enumerate(self) if f is frame), None)

    def clear(self) -> None:
        self._frames = [None] * self.capacity
        self._order = []
        self._free = list(range(self.capacity - 1, -1, -1))
        self._rings.clear()

    def append(self, frame: Frame, pinned: Frame | None = None) -> Frame | None:
        """Store a copy of `frame` (its large arrays in the rings); when full, first drops the snapshot that
        `thinning_victim` picks.

        When the dropped frame is `pinned`, it is detached (given its own arrays) before its slot is reused,
        and the detached frame is returned: the caller should use it instead. Otherwise returns None.
        """
        detached = None
        self._pinned = pinned
        if not self._free:
            slot = self._order.pop(thinning_victim(self.steps(), frame.step))
            dropped = self._frames[slot]
            if dropped is not None and dropped is pinned:
                detached = detach(dropped)
            self._frames[slot] = None
            self._free.append(slot)
        slot = self._free.pop()
        try:
            self._frames[slot] = self._store(slot, frame)
        finally:
            self._pinned = None
        self._order.append(slot)
        return detached

    def resize(self, capacity: int, pinned: Frame | None = None) -> Frame | None:
        """Keep `capacity` frames, thinned as `append` thins them (copied into new rings). Returns what `pinned`
        is now: its stored copy if kept, a detached copy if dropped (None when `pinned` is None or not stored)."""
        if capacity < 1:
            raise ValueError(f"capacity must be ≥ 1, got {capacity}")
        frames = list(self)
        keep = list(frames)
        now_step = keep[-1].step + 1 if keep else 0
        while len(keep) > capacity:
            del keep[thinning_victim([f.step for f in keep], now_step)]
        now = detach(pinned) if any(f is pinned for f in frames) and not any(f is pinned for f in keep) else None
        self.capacity = capacity
        self.clear()  # the old rings live on in `keep` until their frames are stored again
        for f in keep:
            self.append(f, pinned=now)  # once stored, `now` keeps its identity (see _move_to)
            if f is pinned:
                now = self[-1]
        return now

    def _store(self, slot: int, frame: Frame) -> Frame:
        frame = dataclasses.replace(frame, g_weights=None)  # only the live frame feeds the GUI's copy of G
        return _with_arrays(frame, lambda key, a: self._ring_store(key, slot, a))

    def _ring_store(self, key: str, slot: int, a: np.ndarray) -> np.ndarray:
        if len(a) > MAX_RING_ROWS:  # a rare, very long level line (a noisy surface): its own copy, no huge ring
            own = a.copy()
            own.setflags(write=False)
            return own
        ring = self._rings.get(key)
        if ring is None or not ring.fits(a):
            # a new shape (new settings) or a longer array (a longer level line): a new ring, with headroom so a
            # line that grows a few points at a time does not make a ring each time
            same = ring is not None and ring.data.shape[2:] == a.shape[1:] and ring.data.dtype == a.dtype
            rows = min(max(len(a), int(GROWTH * ring.data.shape[1]) if same else 0), MAX_RING_ROWS)
            ring = self._rings[key] = _Ring(self.capacity, a, max(rows, 1))
            self._move_to(key, ring)
        return ring.store(slot, a)

    def _move_to(self, key: str, ring: _Ring) -> None:
        """Copy the stored frames' `key` arrays that fit into the new `ring`. Left in the old ring, they kept it
        alive as long as they were stored, and the first snapshot always is: a ring of 400 slots for every
        longer level line ever seen (defect B19: the boundary rings grew by ~25 MB a minute of use). The frame
        the timeline shows keeps its arrays (and identity): the old ring lives on until it is unpinned."""
        for slot in self._order:
            frame = self._frames[slot]
            if frame is None or frame is self._pinned:
                continue

            def put(k: str, a: np.ndarray, slot=slot) -> np.ndarray:
                return ring.store(slot, a) if k == key and ring.fits(a) else a

            self._frames[slot] = _with_arrays(frame, put)


def _with_arrays(frame: Frame, put: Callable[[str, np.ndarray], np.ndarray]) -> Frame:
    """`frame` with each array a ring may hold replaced by `put(key, array)` (key: field, or boundary_x/_y)."""
    changes: dict[str, object] = {
        name: put(name, a) for name in RING_FIELDS if isinstance(a := getattr(frame, name), np.ndarray) and a.ndim
    }
    bx, by = frame.boundary
    changes[BOUNDARY] = (put("boundary_x", bx), put("boundary_y", by))
    return dataclasses.replace(frame, **changes)


def detach(frame: Frame) -> Frame:
    """The same frame with its own copies of the arrays a ring may share."""

    def own(_key: str, a: np.ndarray) -> np.ndarray:
        copy = a.copy()
        copy.setflags(write=False)
        return copy

    return _with_arrays(frame, own)
