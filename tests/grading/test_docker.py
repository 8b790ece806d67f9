"""`grade --docker` through the docker SDK, against a fake engine: what a real one cannot show.

The real engine's tests are in test_docker_engine.py.  Here: the build context is exactly
the autograder zip plus the Dockerfile, every argument passes the SDK's own checks, the
container is removed even when it wrote no results.json, and that failure is said with the
container's log, without a Docker engine.
"""
import inspect
import json
import zipfile
from pathlib import Path

import docker
from docker.api.build import BuildApiMixin
from docker.models.containers import _create_container_args

from autograder.commands import docker as docker_grade
from conftest import ROOT


class FakeContainer:
    def __init__(self, results: Path):
        self.results, self.removed, self.waited = results, False, None

    def wait(self, timeout):
        self.waited = timeout
        (self.results / "results.json").write_text(json.dumps({"score": 24.0, "tests": []}))
        return {"StatusCode": 0}

    def remove(self, force=False):
        self.removed = force


class FakeClient:
    """Records what grade() asks of docker.DockerClient (images.build, containers.run), and passes every argument
    through the real SDK's own argument handling, so an argument the SDK would refuse fails here too."""

    def __init__(self):
        self.built, self.ran = {}, {}
        self.images, self.containers = self, self

    def build(self, **kwargs):
        inspect.signature(BuildApiMixin.build).bind(None, **kwargs)            # TypeError for an unknown argument
        context = Path(kwargs["path"])
        self.built = kwargs | {"files": sorted(str(p.relative_to(context)) for p in context.rglob("*") if p.is_file())}
        self.dockerfile = (context / "Dockerfile").read_text()
        return type("Image", (), {"id": "sha256:fake"})(), []

    def run(self, image, **kwargs):
        _create_container_args({k: v for k, v in kwargs.items() if k != "detach"} | {"image": image, "version": "1.44"})   # as run() does
        self.ran = {"image": image, **kwargs}
        results = next(host for host, bind in kwargs["volumes"].items() if bind["bind"] == "/autograder/results")
        self.container = FakeContainer(Path(results))
        return self.container


def test_grade_in_docker_builds_gradescope_s_image_and_runs_one_container_per_submission(tmp_path):
    client = FakeClient()
    out = docker_grade.grade("cmu10417-f2023", ROOT / "examples" / "cmu10417-f2023" / "submission", tmp_path / "r.json",
                             client=client)
    assert json.loads(out.read_text())["score"] == 24.0
    files = client.built["files"]
    assert {"Dockerfile", "setup.sh", "run_autograder", "ASSIGNMENT", "rubrics/cmu10417-f2023.yaml"} <= set(files)
    assert client.built["tag"] == "gm-autograder:cmu10417-f2023" and client.built["rm"] is True
    assert client.dockerfile.startswith("#") and "FROM gradescope/autograder-base" in client.dockerfile
    assert "bash /autograder/source/setup.sh" in client.dockerfile
    ran = client.ran
    assert ran["image"] == "sha256:fake" and ran["mem_limit"] == "768m" and ran["detach"] is True
    binds = {v["bind"]: v["mode"] for v in ran["volumes"].values()}
    assert binds == {"/autograder/submission": "ro", "/autograder/results": "rw"}
    assert ran["memswap_limit"] == "768m" and ran["network_mode"] == "none"
    assert client.container.waited == 600 and client.container.removed is True


class SilentContainer(FakeContainer):
    def wait(self, timeout):
        return {"StatusCode": 137}

    def logs(self, tail):
        return b"Killed\n"


def test_a_container_that_writes_no_results_is_removed_and_its_log_shown(tmp_path):
    import pytest

    client = FakeClient()
    run = client.run
    client.run = lambda image, **kw: setattr(client, "container", SilentContainer(run(image, **kw).results)) or client.container
    with pytest.raises(SystemExit, match=r"wrote no results.json \(exit status 137\):\nKilled"):
        docker_grade.grade("cmu10417-f2023", ROOT / "examples" / "cmu10417-f2023" / "submission", tmp_path / "r.json",
                           client=client)
    assert client.container.removed is True and not (tmp_path / "r.json").exists()


def test_the_network_option_gives_the_container_the_default_bridge(tmp_path):
    client = FakeClient()
    docker_grade.grade("cmu10417-f2023", ROOT / "examples" / "cmu10417-f2023" / "submission", tmp_path / "r.json",
                       client=client, network=True)
    assert client.ran["network_mode"] == "bridge"


def test_the_dockerfile_context_is_exactly_the_autograder_zip(tmp_path):
    context = docker_grade.image_context("ift6135-w2023", tmp_path)
    names = set(zipfile.ZipFile(tmp_path / "ift6135-w2023-autograder.zip").namelist())
    assert {str(p.relative_to(context)) for p in context.rglob("*") if p.is_file()} == names | {"Dockerfile"}


def test_without_a_client_grade_takes_one_from_the_docker_environment(tmp_path, monkeypatch):
    clients = []
    monkeypatch.setattr(docker, "from_env", lambda version: clients.append(FakeClient()) or clients[-1])
    docker_grade.grade("cmu10417-f2023", ROOT / "examples" / "cmu10417-f2023" / "submission", tmp_path / "r.json")
    assert len(clients) == 1 and clients[0].ran["mem_limit"] == "768m"


def test_the_fake_client_refuses_what_the_real_sdk_refuses():
    import pytest

    with pytest.raises(TypeError):
        FakeClient().run("sha256:x", detach=True, memory_limit="768m", volumes={})
    with pytest.raises(TypeError):
        FakeClient().build(path="/nonexistent", tags="x")
