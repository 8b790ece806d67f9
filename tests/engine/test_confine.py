"""The grader's own isolation record: which protected paths file permissions leave readable to another uid."""
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

from autograder.grading import engine
from autograder.sandbox.exposure import grader_layers, readable_by_others


def test_readable_by_others_needs_o_x_on_every_ancestor_and_o_r_on_the_path():
    top = tempfile.mkdtemp(dir="/tmp")                   # /tmp and / are traversable by anyone
    try:
        os.chmod(top, 0o755)
        secret = os.path.join(top, "rubric.yaml")
        with open(secret, "w") as f:
            f.write("x")
        os.chmod(secret, 0o644)
        assert readable_by_others(secret)
        os.chmod(secret, 0o600)
        assert not readable_by_others(secret)
        os.chmod(secret, 0o644)
        os.chmod(top, 0o750)                             # a private folder protects what is inside
        assert not readable_by_others(secret)
        assert not readable_by_others(os.path.join(top, "missing"))
        assert grader_layers({"rubric": secret})["readable_by_sandbox"] == []
        os.chmod(top, 0o755)
        assert grader_layers({"rubric": secret})["readable_by_sandbox"] == ["rubric"]
    finally:
        shutil.rmtree(top)


def _distribution(site: Path, folder: str, direct_url: dict | None) -> None:
    info = site / folder
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: gm-autograder\nVersion: 0.1.0\n")
    if direct_url is not None:
        (info / "direct_url.json").write_text(json.dumps(direct_url))


def test_the_editable_checkout_is_found_past_a_checkouts_own_egg_info(tmp_path, monkeypatch):
    """`make venv` installs with -e; the checkout's egg-info (no install record) can come first on sys.path."""
    _distribution(tmp_path / "checkout", "gm_autograder.egg-info", None)
    _distribution(tmp_path / "site", "gm_autograder-0.1.0.dist-info", {"dir_info": {"editable": True}, "url": "file:///src/my%20course"})
    monkeypatch.setattr(sys, "path", [str(tmp_path / "checkout"), str(tmp_path / "site"), *sys.path])
    assert engine._editable_checkout() == Path("/src/my course")


def test_a_plain_install_has_no_editable_checkout(tmp_path, monkeypatch):
    _distribution(tmp_path / "site", "gm_autograder-0.1.0.dist-info", {"dir_info": {}, "url": "file:///src/wheel"})
    monkeypatch.setattr(sys, "path", [str(tmp_path / "site")])
    assert engine._editable_checkout() is None


def test_a_readable_editable_checkout_is_reported_with_a_warning_when_landlock_is_off(tmp_path, monkeypatch):
    """A worker's `import reference` reaches an editable install's checkout; file permissions alone guard it there."""
    checkout = Path(tempfile.mkdtemp(dir="/tmp"))          # /tmp and / are traversable by anyone
    try:
        for folder in ("reference", "rubrics", "autograder"):
            (checkout / folder).mkdir()
        os.chmod(checkout, 0o755)
        monkeypatch.setattr(engine, "_editable_checkout", lambda: checkout)
        rubric = tmp_path / "r.yaml"
        rubric.write_text("x")
        layers = engine._grader_layers(rubric, {"visible": {"landlock_abi": 0}, "hidden": {"landlock_abi": 0}})
        exposed = {"editable checkout's reference", "editable checkout's rubrics", "editable checkout's grader"}
        assert exposed <= set(layers["readable_by_sandbox"])
        assert "editable checkout's reference" in layers["warning"] and f"and {checkout}, or install without -e" in layers["warning"]
        assert "warning" not in engine._grader_layers(rubric, {"visible": {"landlock_abi": 7}, "hidden": {"landlock_abi": 7}})
        os.chmod(checkout, 0o700)
        assert not exposed & set(engine._grader_layers(rubric, {"visible": {"landlock_abi": 0}})["readable_by_sandbox"])
    finally:
        shutil.rmtree(checkout)
