"""`docker-base`: a stand-in for Gradescope's base image, made where Docker Hub cannot be reached.

The Dockerfile builds FROM gradescope/autograder-base, as Gradescope does.  Without access
to Docker Hub, this makes an image of that name from a minimal Debian (`debootstrap
--variant=minbase --include=python3,python3-venv,ca-certificates`) and imports it into the
engine, so the Dockerfile and `grade --docker` run unchanged.  Two things of the host go in
with it: its trusted certificates (a machine that reaches the package registries through
a TLS-intercepting proxy must trust the proxy inside the image too: the host's bundle
replaces the image's, its own additions are kept for update-ca-certificates, and PIP_CERT
points pip at the bundle), and optionally local wheels (`--wheels DIR`, copied to
/opt/wheels with PIP_FIND_LINKS set: torch from a file rather than a download of GBs).

It differs from Gradescope's Ubuntu 22.04 image in its Python (Debian bookworm's 3.11, so
that the host's CPU wheel of torch fits); the grader runs on both (requires-python >= 3.10).
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from autograder.commands.docker import engine_client

BASE_IMAGE = "gradescope/autograder-base:latest"
SUITE = "bookworm"
MIRROR = "http://deb.debian.org/debian"
PACKAGES = ("python3", "python3-venv", "ca-certificates")
HOST_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")
HOST_ADDED_CERTS = Path("/usr/local/share/ca-certificates")
IMAGE_WHEELS = "/opt/wheels"


def build(tag: str = BASE_IMAGE, *, suite: str = SUITE, mirror: str = MIRROR, wheels: Path | None = None,
          client=None, say=print) -> str:
    """Make the image `tag` from a fresh minimal Debian `suite` and return its id (the engine keeps it)."""
    if os.geteuid() != 0:
        raise SystemExit("docker-base needs root (debootstrap makes a root file system)")
    debootstrap = shutil.which("debootstrap")
    if debootstrap is None:
        raise SystemExit("docker-base needs debootstrap: apt-get install debootstrap")
    client = client or engine_client()
    with tempfile.TemporaryDirectory(prefix="gm-docker-base-", dir="/var/tmp") as tmp:
        rootfs = Path(tmp) / "rootfs"
        say(f"debootstrap {suite} ({', '.join(PACKAGES)}) from {mirror}")
        made = subprocess.run([debootstrap, "--variant=minbase", f"--include={','.join(PACKAGES)}", suite, str(rootfs), mirror],
                              capture_output=True, text=True)
        if made.returncode != 0:
            raise SystemExit(f"debootstrap failed:\n{(made.stdout + made.stderr)[-2000:]}")
        changes = _add_host_files(rootfs, wheels)
        for leftover in (rootfs / "var/cache/apt/archives").glob("*.deb"):
            leftover.unlink()
        archive = Path(tmp) / "rootfs.tar"
        subprocess.run(["tar", "--numeric-owner", "--xattrs", "-C", str(rootfs), "-cf", str(archive), "."], check=True)
        repository, _, version = tag.partition(":")
        say(f"importing {tag}")
        client.api.import_image_from_file(str(archive), repository=repository, tag=version or "latest", changes=changes)
    return client.images.get(tag).id


def _add_host_files(rootfs: Path, wheels: Path | None) -> list[str]:
    """Copy the host's certificates (and wheels) into `rootfs`; the Dockerfile instructions the image needs."""
    changes = ['CMD ["bash"]', "ENV LANG=C.UTF-8"]
    if HOST_BUNDLE.exists():
        shutil.copy(HOST_BUNDLE, rootfs / "etc/ssl/certs/ca-certificates.crt")
        changes.append(f"ENV PIP_CERT={HOST_BUNDLE}")
    if HOST_ADDED_CERTS.is_dir():
        target = rootfs / HOST_ADDED_CERTS.relative_to("/")
        target.mkdir(parents=True, exist_ok=True)
        for cert in HOST_ADDED_CERTS.glob("*.crt"):
            shutil.copy(cert, target / cert.name)
    if wheels is not None:
        found = sorted(Path(wheels).glob("*.whl"))
        if not found:
            raise SystemExit(f"--wheels {wheels}: no .whl file there")
        target = rootfs / IMAGE_WHEELS.lstrip("/")
        target.mkdir(parents=True, exist_ok=True)
        for wheel in found:
            shutil.copy(wheel, target / wheel.name)
        changes.append(f"ENV PIP_FIND_LINKS={IMAGE_WHEELS}")
    return changes

