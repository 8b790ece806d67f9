"""The grader's own isolation record: which protected paths file permissions leave readable to another uid."""
import os
import shutil
import tempfile

from autograder.confine import grader_layers, readable_by_others


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
