"""`grade --docker` against a real Docker engine: Gradescope's container, its 768 MB, its mounts, no network.

tests/docker_engine.sh (run by `make test`) installs and starts the engine; where no
gradescope/autograder-base image is present, the first test makes the stand-in one with
`python -m autograder docker-base` (debootstrap), given the local torch wheel pip would use.
Everything the tests make (containers, the assignment's image, a base image they built) is
removed at the end.  Without an engine the tests are skipped, unless
AUTOGRADER_REQUIRE_DOCKER=1 (CI) makes that a failure.
"""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, by_id, make_submission, run_cli

ASSIGNMENT = "cmu10417-f2023"
EXAMPLE = ROOT / "examples" / ASSIGNMENT / "submission"
ALLOCATE_900_MB = """
import torch as _torch
_right_gkl = gkl
def gkl(mu, sigma):
    block = _torch.ones(225 * 1024 * 1024)         # 900 MB, every page touched: past the container's 768 MB
    return _right_gkl(mu, sigma) + 0 * block[0]
"""


def _engine():
    try:
        import docker

        client = docker.from_env(version="auto")
        client.ping()
        return client
    except Exception as exc:  # noqa: BLE001 - any reason there is no engine
        if os.environ.get("AUTOGRADER_REQUIRE_DOCKER") == "1":
            pytest.fail(f"AUTOGRADER_REQUIRE_DOCKER=1 but no Docker engine answers: {exc}")
        pytest.skip(f"no Docker engine ({exc}); tests/docker_engine.sh starts one as root on Debian/Ubuntu")


def _local_wheels() -> Path | None:
    """The folder of this machine's torch wheel for pip (its find-links), to put into the stand-in base image."""
    found = subprocess.run([sys.executable, "-m", "pip", "config", "get", "global.find-links"], capture_output=True, text=True)
    for folder in (os.environ.get("PIP_FIND_LINKS", ""), found.stdout.strip()):
        for path in folder.split():
            if list(Path(path).glob("torch-2.13.0*.whl")):
                return Path(path)
    return None


class Recording:
    """The real client, with the engine's own view of each container (inspect) taken before grade() removes it."""

    def __init__(self, client):
        self.client, self.images, self.containers, self.inspected = client, client.images, self, []

    def run(self, image, **kwargs):
        container = self.client.containers.run(image, **kwargs)
        container.reload()
        self.inspected.append(container.attrs)
        return container


@pytest.fixture(scope="module")
def engine():
    client = _engine()
    from docker.errors import ImageNotFound

    from autograder.commands import docker_base
    from autograder.commands.docker import image_tag

    made_base = False
    try:
        client.images.get(docker_base.BASE_IMAGE)
    except ImageNotFound:
        proc = run_cli("docker-base", *(["--wheels", str(_local_wheels())] if _local_wheels() else []), timeout=900)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        made_base = True
    yield client
    for tag in (image_tag(ASSIGNMENT), *([docker_base.BASE_IMAGE] if made_base else [])):
        try:
            client.images.remove(tag, force=True)
        except ImageNotFound:
            pass
    for tag in (image_tag(ASSIGNMENT), *([docker_base.BASE_IMAGE] if made_base else [])):
        with pytest.raises(ImageNotFound):
            client.images.get(tag)


def in_docker(client, submission: Path, out: Path, **kwargs) -> tuple[dict, dict]:
    """(results.json, the engine's inspect of the container) of one grading in Docker."""
    from autograder.commands import docker as docker_grade

    recording = Recording(client)
    docker_grade.grade(ASSIGNMENT, submission, out, client=recording, **kwargs)
    (attrs,) = recording.inspected
    assert client.containers.list(all=True, filters={"id": attrs["Id"]}) == []      # removed
    return json.loads(out.read_text()), attrs


def native(submission: Path, out: Path) -> dict:
    proc = run_cli("grade", str(submission), "-a", ASSIGNMENT, "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    return json.loads(out.read_text())


def scores(results: dict) -> list[tuple[str, float]]:
    return [(t["name"], t["score"]) for t in results["tests"]]


def test_the_example_and_a_correct_submission_score_in_the_container_as_natively(engine, tmp_path):
    for name, submission in (("example", EXAMPLE), ("correct", make_submission(tmp_path / "correct"))):
        contained, attrs = in_docker(engine, submission, tmp_path / f"{name}-docker.json")
        assert scores(contained) == scores(native(submission, tmp_path / f"{name}-native.json")), name
    assert contained["score"] == 24
    workers = {k: v for k, v in contained["extra_data"]["isolation"].items() if k != "grader"}
    assert workers and all(w["uid_drop"] and w["seccomp"] and w["rlimits"] for w in workers.values())


def test_the_container_has_gradescope_s_memory_a_read_only_submission_and_no_network(engine, tmp_path):
    _, attrs = in_docker(engine, EXAMPLE, tmp_path / "r.json")
    assert attrs["HostConfig"]["Memory"] == 768 * 1024 * 1024 and attrs["HostConfig"]["MemorySwap"] == 768 * 1024 * 1024
    mounts = {m["Destination"]: m for m in attrs["Mounts"]}
    assert mounts["/autograder/submission"]["RW"] is False and mounts["/autograder/submission"]["Source"] == str(EXAMPLE)
    assert mounts["/autograder/results"]["RW"] is True
    assert attrs["HostConfig"]["NetworkMode"] == "none"
    _, attrs = in_docker(engine, EXAMPLE, tmp_path / "r2.json", network=True)
    assert attrs["HostConfig"]["NetworkMode"] == "bridge"


def test_a_submission_past_768_mb_is_oom_killed_in_the_container_and_loses_only_its_items(engine, tmp_path):
    """Its gkl allocates 900 MB: the kernel kills that worker (oom_score_adj makes it the first choice), the
    grader goes on; the items whose calls reach gkl score 0 with the died message, every other item its full marks."""
    hungry = make_submission(tmp_path / "hungry", append={"vae.py": ALLOCATE_900_MB})
    contained, _ = in_docker(engine, hungry, tmp_path / "docker.json")
    tests = by_id(contained, ASSIGNMENT)
    lost = {item for item, t in tests.items() if t["score"] != t["max_score"]}
    assert "gkl" in lost and lost <= {"gkl", "gkl-invalid", "vae-grad-mu", "vae-grad-sigma"}, lost
    for item in lost:
        assert tests[item]["score"] == 0 and "died" in tests[item]["output"], tests[item]
    assert native(hungry, tmp_path / "native.json")["score"] == 24      # natively 900 MB is within the worker's limits
