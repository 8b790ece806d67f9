"""Taking in submissions: folders, zip and tar archives, with traversal, links and bombs refused."""
import io
import tarfile
import zipfile

from autograder.submission.intake import MAX_FILE_BYTES, prepare

MODULES = {"vae", "gcn", "answers"}


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
    assert sub.notes == []


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
    assert sub.modules == {} and sub.notes == ["`notes.txt`: not a folder, a zip or a tar archive"]


def test_a_handout_s_own_engine_folder_never_supplies_student_modules(tmp_path):
    src = tmp_path / "handout"
    (src / "_autograder" / "reference").mkdir(parents=True)
    (src / "_autograder" / "reference" / "vae.py").write_text("def gkl(mu, sigma):\n    raise NotImplementedError\n")
    (src / "gcn.py").write_text("x = 1\n")
    sub = prepare(src, tmp_path / "work", {"vae", "gcn"})
    assert set(sub.modules) == {"gcn"}                 # vae.py is missing, not taken from _autograder/
