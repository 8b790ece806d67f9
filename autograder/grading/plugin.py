"""The pytest plugin that turns a rubric into a test session and keeps every item's result.

One plugin object per grading run, registered with pytest.main(plugins=[...]).  It
parametrizes the suite's single test over the rubric items, orders visible items first
(so no value from a hidden call can ever reach a visible test's output), starts a fresh
worker on a fresh copy of the submission for the non-visible phase, and records an
ItemResult for every item, including those whose test errored.
"""
from __future__ import annotations

import math
import traceback
from collections.abc import Callable

import pytest

from autograder.grading.rubric import GradedItem
from autograder.grading.runner import ReferenceValues, run_item
from autograder.grading.verdicts import ItemResult
from autograder.sandbox.client import WorkerClient


class GradingPlugin:
    def __init__(self, items: list[GradedItem], open_client: Callable[[list[GradedItem]], WorkerClient],
                 deadline: float = math.inf, values: ReferenceValues = ReferenceValues()):
        self.items, self.values = items, values
        self.open_client = open_client            # a phase's items -> a client of a worker on a fresh copy
        self.deadline = deadline                  # time.monotonic() after which no call starts or runs
        self.results: dict[str, ItemResult] = {}
        self.errors: dict[str, str] = {}
        self.layers: dict[str, dict] = {}
        self._phase: str | None = None
        self._client: WorkerClient | None = None

    # -- pytest hooks ------------------------------------------------------------------------
    def pytest_generate_tests(self, metafunc: pytest.Metafunc) -> None:
        if "graded_item" in metafunc.fixturenames:
            metafunc.parametrize("graded_item", self.items, ids=[i.id for i in self.items])

    @pytest.fixture(scope="session")
    def grading(self) -> GradingPlugin:
        return self

    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        items.sort(key=lambda test: test.callspec.params["graded_item"].visibility != "visible")

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo):
        report = yield
        graded = getattr(item, "callspec", None) and item.callspec.params.get("graded_item")
        if graded is not None and report.when == "call" and graded.id not in self.results and call.excinfo is not None:
            self.errors[graded.id] = "".join(traceback.format_exception(call.excinfo.value))
        return report

    def pytest_sessionfinish(self) -> None:
        self.close()

    # -- grading -------------------------------------------------------------------------------
    def run(self, graded: GradedItem) -> ItemResult:
        phase = _phase(graded)
        if phase != self._phase:
            self.close()
            self._client, self._phase = self.open_client([g for g in self.items if _phase(g) == phase]), phase
        result = run_item(graded, self._client, self.deadline, self.values)
        if self._client.layers:
            self.layers[phase] = self._client.layers
        self.results[graded.id] = result
        return result

    def close(self) -> None:
        if self._client is not None:
            self._client.stop()
            self._client = None


def _phase(graded: GradedItem) -> str:
    return "visible" if graded.visibility == "visible" else "hidden"
