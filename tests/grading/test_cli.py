"""The command line reads like the rest of the ecosystem."""
import json

from conftest import make_submission, run_cli


def test_help_lists_every_command():
    proc = run_cli("--help")
    assert proc.returncode == 0
    for command in ("grade", "check", "list", "gradescope"):
        assert command in proc.stdout


def test_list_json_gives_items_and_points_adding_up_to_the_total():
    proc = run_cli("list", "--json")
    assert proc.returncode == 0, proc.stderr
    (cmu,) = [a for a in json.loads(proc.stdout) if a["assignment"] == "cmu10417-f2023"]
    assert cmu["total_points"] == 24 and sum(i["points"] for i in cmu["items"]) == 24
    assert {"id", "function", "points", "visibility", "cases"} <= set(cmu["items"][0])


def test_grade_accepts_a_zip_and_rejects_an_unknown_assignment(tmp_path):
    import shutil

    sub = make_submission(tmp_path / "nested" / "hw3")                      # modules in a subfolder
    archive = shutil.make_archive(str(tmp_path / "sub"), "zip", tmp_path / "nested")
    proc = run_cli("grade", archive, "--assignment", "cmu10417-f2023", "--output", str(tmp_path / "r.json"))
    assert proc.returncode == 0, proc.stderr
    assert json.loads((tmp_path / "r.json").read_text())["score"] == 24
    bad = run_cli("grade", str(sub), "--assignment", "cmu10417-f2032")
    assert bad.returncode == 2 and "did you mean 'cmu10417-f2023'?" in bad.stderr


def test_grade_accepts_a_gzipped_tar_with_answers_in_a_subfolder(tmp_path):
    import shutil

    make_submission(tmp_path / "nested" / "hw")
    archive = shutil.make_archive(str(tmp_path / "sub"), "gztar", tmp_path / "nested")
    proc = run_cli("grade", archive, "--assignment", "ift6135-f2023", "--output", str(tmp_path / "r.json"))
    assert proc.returncode == 0, proc.stderr
    assert json.loads((tmp_path / "r.json").read_text())["score"] == 72
