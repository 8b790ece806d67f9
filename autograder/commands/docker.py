"""`grade --docker`: grade a submission inside Gradescope's own image, through the docker SDK.

The image is built from the assignment's autograder zip (`build.py`) and the repository's
Dockerfile (Gradescope's base image, setup.sh at build time), then one container per
submission runs run_autograder with Gradescope's defaults: 768 MB of memory, the
submission mounted read-only at /autograder/submission, results at /autograder/results.
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


def image_context(assignment: str, dest: Path) -> Path:
    """A docker build context: the unzipped autograder zip plus the Dockerfile."""
    archive = build.autograder_zip(assignment, dest)
    context = dest / "context"
    with zipfile.ZipFile(archive) as z:
        z.extractall(context)
    shutil.copy(DOCKERFILE, context / "Dockerfile")
    return context


def grade(assignment: str, submission: Path, output: Path, client=None) -> Path:
    """Build (or reuse) the image, run one container on `submission`, copy its results.json to `output`."""
    if client is None:
        try:
            import docker
        except ImportError:
            raise SystemExit("grade --docker needs the docker SDK: pip install 'gm-autograder[docker]'") from None
        client = docker.from_env()
    with tempfile.TemporaryDirectory(prefix="gm-docker-") as tmp:
        tmp_path = Path(tmp)
        image, _ = client.images.build(path=str(image_context(assignment, tmp_path)), tag=f"gm-autograder:{assignment}", rm=True)
        results = tmp_path / "results"
        results.mkdir()
        container = client.containers.run(
            image.id, detach=True, mem_limit=MEMORY, working_dir="/autograder",
            volumes={str(Path(submission).resolve()): {"bind": "/autograder/submission", "mode": "ro"},
                     str(results): {"bind": "/autograder/results", "mode": "rw"}})
        try:
            container.wait(timeout=TIMEOUT_S)
        finally:
            container.remove(force=True)
        output.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(results / "results.json", output)
    return output
