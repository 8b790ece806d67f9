"""Recorded expected values: what a student handout grades with, since it ships without the reference.

`record` runs every case of the given (visible) items on the reference once and writes,
per case, the expected value and the known wrong answers (hint, value) into one file of
wire frames (`sandbox/wire.py`: JSON headers and raw bytes, never pickle).  `RecordedValues`
reads that file back and answers the two questions `runner.run_item` asks of its value
source, exactly as `runner.ReferenceValues` would have.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from autograder.grading.rubric import GradedItem
from autograder.grading.runner import ReferenceValues, build_call
from autograder.sandbox import wire
from autograder.specs.base import Call


def record(items: list[GradedItem]) -> bytes:
    """The recording of every case of `items`."""
    values, frames = ReferenceValues(), []
    for graded in items:
        for index, (params, seed) in enumerate(graded.cases):
            call = build_call(graded, params, seed)
            frames.append(wire.pack({"item": graded.id, "case": index,
                                     "expected": values.expected(graded, index, params, call),
                                     "wrong": [list(pair) for pair in values.wrong_answers(graded, index, call)]}))
    return b"".join(frames)


class RecordedValues:
    """A value source backed by a recording (see `runner.ReferenceValues` for the interface)."""

    def __init__(self, path: Path):
        self._cases = {}
        read, more = wire.buffer_reader(Path(path).read_bytes())
        while more():
            case = wire.read_frame(read)
            self._cases[(case["item"], case["case"])] = case

    def _case(self, graded: GradedItem, index: int) -> dict:
        try:
            return self._cases[(graded.id, index)]
        except KeyError:
            raise LookupError(f"no recorded value for {graded.id} case {index + 1}: rebuild the handout") from None

    def expected(self, graded: GradedItem, index: int, params: Any, call: Call) -> Any:
        return self._case(graded, index)["expected"]

    def wrong_answers(self, graded: GradedItem, index: int, call: Call) -> list[tuple[str, Any]]:
        return [tuple(pair) for pair in self._case(graded, index)["wrong"]]
