"""`grade --docker`: grade a submission inside Gradescope's own image, through the docker SDK.

The image is built from the assignment's autograder zip (`build.py`) and the repository's
Dockerfile (Gradescope's base image, setup.sh at build time; the build reaches the package
registries through the engine's default bridge), then one container per submission runs
run_autograder as Gradescope does: 768 MB of memory, the submission mounted read-only at
/autograder/submission, results at /autograder/results.  The container has no network
unless asked (`network=True`: Gradescope's own containers have one); the container is
removed whatever happens, the image is kept for the next submission (tag
gm-autograder:<assignment>).  Without Docker Hub, `docker-base` makes the base image.
"""
from __future__ import annotations

import shutil
import tempfile
import zipfile
from pathlib import Path

from autograder.commands import build

DOCKERFILE = build.ROOT / "Dockerfile"
MEMORY = "768m"
TIMEOUT_S = 600


def engine_client():
    """The docker SDK's client of the local engine, at the engine's own API version; a clear exit where there is none."""
    try:
        import docker
    except ImportError:
        raise SystemExit("this needs the docker SDK: pip install 'gm-autograder[docker]'") from None
    try:
        return docker.from_env(version="auto")
    except docker.errors.DockerException as exc:
        raise SystemExit(f"no Docker engine answers ({exc}); start dockerd, or set DOCKER_HOST") from None


def image_tag(assignment: str) -> str:
    return f"gm-autograder:{assignment}"


def image_context(assignment: str, dest: Path) -> Path:
    """A docker build context: the unzipped autograder zip plus the Dockerfile."""
    archive = build.autograder_zip(assignment, dest)
    context = dest / "context"
    with zipfile.ZipFile(archive) as z:
        z.extractall(context)
    shutil.copy(DOCKERFILE, context / "Dockerfile")
    return context


def grade(assignment: str, submission: Path, output: Path, client=None, *, network: bool = False) -> Path:
    """Build (or reuse) the image, run one container on `submission`, copy its results.json to `output`."""
    client = client or engine_client()
    with tempfile.TemporaryDirectory(prefix="gm-docker-") as tmp:
        tmp_path = Path(tmp)
        image, _ = client.images.build(path=str(image_context(assignment, tmp_path)), tag=image_tag(assignment), rm=True)
        results = tmp_path / "results"
        results.mkdir()
        container = client.containers.run(
            image.id, detach=True, mem_limit=MEMORY, memswap_limit=MEMORY, working_dir="/autograder",   # no swap either
            network_mode="bridge" if network else "none",
            volumes={str(Path(submission).resolve()): {"bind": "/autograder/submission", "mode": "ro"},
                     str(results): {"bind": "/autograder/results", "mode": "rw"}})
        try:
            status = container.wait(timeout=TIMEOUT_S)
            if not (results / "results.json").exists():
                log = container.logs(tail=40).decode(errors="replace")
                raise SystemExit(f"the container wrote no results.json (exit status {status.get('StatusCode')}):\n{log}")
        finally:
            container.remove(force=True)
        output.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(results / "results.json", output)
    return output
