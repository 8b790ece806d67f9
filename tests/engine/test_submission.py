"""Taking in submissions: folders, zip and tar archives, with traversal, links and bombs refused."""
from pathlib import Path
import io
import tarfile
import zipfile

from autograder.submission.intake import MAX_FILE_BYTES, prepare

MODULES = {"vae": {"gkl"}, "gcn": {"gcn_layer"}, "answers": {"choice"}}


def tar_with(path, members, mode="w:gz"):
    with tarfile.open(path, mode) as tf:
        for info, data in members:
            tf.addfile(info, io.BytesIO(data) if data is not None else None)
    return path


def regular(name, data=b"x = 1\n"):
    info = tarfile.TarInfo(name)
    info.size = len(data)
    return info, data


def link(name, target, kind=tarfile.SYMTYPE):
    info = tarfile.TarInfo(name)
    info.type, info.linkname = kind, target
    return info, None


def test_tar_archive_is_unpacked_and_modules_found_in_a_subfolder(tmp_path):
    archive = tar_with(tmp_path / "s.tar.gz", [regular("hw/vae.py"), regular("hw/answers.yaml", b"q4_1: b\n")])
    sub = prepare(archive, tmp_path / "out", MODULES)
    assert sub.modules == {"vae": str(tmp_path / "out/hw/vae.py"), "answers": str(tmp_path / "out/hw/answers.yaml")}
    assert sub.notes == ["`gcn.py` was not found (your files: `hw/vae.py`; expected: `gcn.py`, `vae.py`)"]


def test_tar_traversal_absolute_paths_and_links_are_skipped_with_notes(tmp_path):
    archive = tar_with(tmp_path / "s.tar", [regular("../../etc/evil.py"), regular("/abs/vae.py"), regular("a/../../up.py"),
                                            link("vae.py", "/autograder/source/reference/vae.py"),
                                            link("gcn.py", "/etc/passwd", tarfile.LNKTYPE),
                                            regular("ok/gcn.py")], mode="w")
    out = tmp_path / "out"
    sub = prepare(archive, out, MODULES)
    assert sub.modules == {"gcn": str(out / "ok/gcn.py")}
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()) == ["ok/gcn.py"]
    assert not (tmp_path / "etc").exists() and not (tmp_path / "up.py").exists()
    notes = "\n".join(sub.notes)
    for name in ("../../etc/evil.py", "/abs/vae.py", "a/../../up.py"):
        assert f"`{name}`: skipped (absolute path or '..' in the archive)" in notes
    assert "`vae.py`: skipped (not a regular file" in notes and "`gcn.py`: skipped (not a regular file" in notes


def test_zip_symlinks_and_traversal_are_skipped(tmp_path):
    archive = tmp_path / "s.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("../vae.py", "x = 1\n")
        info = zipfile.ZipInfo("gcn.py")
        info.external_attr = (0o120777 << 16)                     # a symbolic link entry
        zf.writestr(info, "/autograder/source/reference/gcn.py")
        zf.writestr("sub/vae.py", "x = 2\n")
    sub = prepare(archive, tmp_path / "out", MODULES)
    assert sub.modules == {"vae": str(tmp_path / "out/sub/vae.py")}
    assert any("`gcn.py`: skipped (not a regular file" in n for n in sub.notes)


def test_bombs_are_capped_per_file_before_writing(tmp_path):
    zeros = b"\0" * (MAX_FILE_BYTES + 1)
    archive = tmp_path / "bomb.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("vae.py", zeros)
        zf.writestr("gcn.py", "x = 1\n")
    assert archive.stat().st_size < 100_000                        # about 8 KiB on disk, 8 MiB unpacked
    sub = prepare(archive, tmp_path / "out", MODULES)
    assert set(sub.modules) == {"gcn"} and "`vae.py`: skipped (over the size or file-count limit)" in sub.notes
    tarbomb = tar_with(tmp_path / "bomb.tar.gz", [regular("vae.py", zeros), regular("gcn.py")])
    sub = prepare(tarbomb, tmp_path / "out2", MODULES)
    assert set(sub.modules) == {"gcn"}


def test_damaged_archive_keeps_what_could_be_read_and_says_so(tmp_path):
    archive = tar_with(tmp_path / "s.tar", [regular("gcn.py"), regular("vae.py", b"y = 2\n" * 5000)], mode="w")
    data = archive.read_bytes()
    archive.write_bytes(data[: 512 * 3 + 100])                      # cut inside the second member
    sub = prepare(archive, tmp_path / "out", MODULES)
    assert "gcn" in sub.modules
    assert any("the archive is damaged" in n for n in sub.notes)


def test_something_that_is_neither_folder_nor_archive_is_reported(tmp_path):
    bogus = tmp_path / "notes.txt"
    bogus.write_text("hello")
    sub = prepare(bogus, tmp_path / "out", MODULES)
    assert sub.modules == {} and sub.notes[0] == "`notes.txt`: not a folder, a zip or a tar archive"


def test_a_handout_s_own_engine_folder_never_supplies_student_modules(tmp_path):
    src = tmp_path / "handout"
    (src / "_autograder" / "reference").mkdir(parents=True)
    (src / "_autograder" / "reference" / "vae.py").write_text("def gkl(mu, sigma):\n    raise NotImplementedError\n")
    (src / "gcn.py").write_text("x = 1\n")
    sub = prepare(src, tmp_path / "work", {"vae", "gcn"})
    assert set(sub.modules) == {"gcn"}                 # vae.py is missing, not taken from _autograder/


# -- forgiving intake ---------------------------------------------------------------------------------------
def folder(tmp_path, files: dict[str, str | bytes]) -> Path:
    src = tmp_path / "src"
    for name, text in files.items():
        (src / name).parent.mkdir(parents=True, exist_ok=True)
        (src / name).write_bytes(text if isinstance(text, bytes) else text.encode())
    return src


def test_a_module_file_is_found_whatever_the_case_of_its_name(tmp_path):
    sub = prepare(folder(tmp_path, {"VAE.py": "def gkl(mu, sigma): pass\n", "Answers.YAML": "q: a\n"}), tmp_path / "out", MODULES)
    assert sub.modules["vae"].endswith("VAE.py") and sub.modules["answers"].endswith("Answers.YAML")
    assert "`VAE.py` is used as `vae.py` (file names are matched ignoring case)" in sub.notes


def test_one_file_defining_every_function_of_missing_modules_is_used_for_them_and_two_are_never_guessed(tmp_path):
    one = prepare(folder(tmp_path, {"hw3.py": "def gkl(mu, sigma): pass\ndef gcn_layer(A, H, W): pass\n"}), tmp_path / "a", MODULES)
    assert one.modules["vae"].endswith("hw3.py") and one.modules["gcn"].endswith("hw3.py")
    assert "`vae.py` was not found; `hw3.py` defines `gkl`, so it is used for them" in one.notes
    two = prepare(folder(tmp_path / "b", {"a.py": "def gkl(mu, sigma): pass\n", "b.py": "def gkl(mu, sigma): pass\n"}),
                  tmp_path / "b" / "out", MODULES)
    assert "vae" not in two.modules
    assert "`vae.py` was not found, and `a.py`, `b.py` all define its functions: rename the one to grade to `vae.py`" in two.notes


def test_a_missing_module_lists_the_files_found_and_the_names_expected(tmp_path):
    sub = prepare(folder(tmp_path, {"hw/my_vae.py": "x = 1\n", "notes.ipynb": "{}"}), tmp_path / "out", MODULES)
    assert "`gcn.py`, `vae.py` were not found (your files: `hw/my_vae.py`, `notes.ipynb`; expected: `gcn.py`, `vae.py`)" in sub.notes


def test_a_byte_order_mark_and_crlf_line_endings_are_read(tmp_path):
    source = "\ufeffdef gkl(mu, sigma):\r\n    return mu\r\n".encode()
    sub = prepare(folder(tmp_path, {"hw3.py": source + b"def gcn_layer(A, H, W):\r\n    return A\r\n"}), tmp_path / "out", MODULES)
    assert sub.modules["vae"].endswith("hw3.py")                                    # parsed, so its functions were seen
    compile(Path(sub.modules["vae"]).read_bytes(), "hw3.py", "exec")


NOTEBOOK = {
    "cells": [
        {"cell_type": "markdown", "metadata": {}, "source": "# My VAE"},
        {"cell_type": "code", "metadata": {}, "execution_count": 1, "outputs": [{"output_type": "display_data", "data":
            {"image/png": "iVBORw0KGgo="}, "metadata": {}}],
         "source": "%matplotlib inline\n!pip install scipy\nimport torch\nimport matplotlib.pyplot as plt\nK = 16\n"
                   "betas = torch.linspace(1e-4, 0.02, 10)"},
        {"cell_type": "code", "metadata": {}, "execution_count": 2, "outputs": [],
         "source": "def gkl(mu, sigma):\n    return (-sigma.log() + (sigma**2 + mu**2 - 1) / 2).sum(-1)\n\nclass Encoder:\n    pass"},
        {"cell_type": "code", "metadata": {}, "execution_count": 3, "outputs": [],
         "source": "for epoch in range(10**9):\n    train()\nmodel = Encoder()\nprint('done')\nplt.plot([1, 2])"},
        {"cell_type": "code", "metadata": {}, "execution_count": 4, "outputs": [], "source": "%%bash\necho hi"},
        {"cell_type": "code", "metadata": {}, "execution_count": 5, "outputs": [], "source": "def broken(:\n    pass"},
    ],
    "metadata": {}, "nbformat": 4, "nbformat_minor": 5,
}


def test_a_notebook_gives_its_definitions_only_and_says_what_it_skipped(tmp_path):
    import json

    sub = prepare(folder(tmp_path, {"vae.ipynb": json.dumps(NOTEBOOK), ".ipynb_checkpoints/vae-checkpoint.ipynb": "{}"}),
                  tmp_path / "out", MODULES)
    module = Path(sub.modules["vae"])
    assert module.name == "vae.py"
    source = module.read_text()
    namespace: dict = {}
    exec(compile(source, "vae.py", "exec"), namespace)                            # no training loop, no plotting, no pip
    assert "gkl" in namespace and "Encoder" in namespace and namespace["K"] == 16 and "model" not in namespace
    assert "train()" not in source and "print(" not in source and "pip install" not in source
    note = next(n for n in sub.notes if n.startswith("`vae.ipynb`"))
    assert note == ("`vae.ipynb`: read 5 code cells; kept 2 imports, 2 functions and classes, 2 constants; skipped 4 other "
                    "statements (training, plotting, printing: not run), 3 magic or shell lines; 1 cells with syntax errors "
                    "were left out.")


def test_a_py_file_beside_a_notebook_of_the_same_module_wins(tmp_path):
    import json

    sub = prepare(folder(tmp_path, {"vae.ipynb": json.dumps(NOTEBOOK), "vae.py": "def gkl(mu, sigma): return mu\n"}),
                  tmp_path / "out", MODULES)
    assert Path(sub.modules["vae"]).read_text() == "def gkl(mu, sigma): return mu\n"
    assert "`vae.ipynb`: ignored, `vae.py` is used" in sub.notes


def test_imports_the_grader_does_not_have_are_found_unless_optional_or_the_students_own(tmp_path):
    source = ("import os, numpy as np\nimport torch.nn.functional as F\nfrom scipy import special\nimport helpers\n"
              "try:\n    import matplotlib\nexcept ImportError:\n    matplotlib = None\n"
              "def gkl(mu, sigma):\n    import sklearn.metrics\n    return mu\n")
    sub = prepare(folder(tmp_path, {"vae.py": source, "helpers.py": "x = 1\n"}), tmp_path / "out", MODULES)
    assert sub.unavailable == {"vae": ["scipy", "sklearn"]}
    declared = prepare(folder(tmp_path / "d", {"vae.py": source, "helpers.py": ""}), tmp_path / "d" / "out", MODULES,
                       ["scipy>=1.10", "scikit-learn"])
    assert declared.unavailable == {}
