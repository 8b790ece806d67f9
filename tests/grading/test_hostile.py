"""The red-team suite: every attack of shared/spec/THREATS.md as a fixture submission, in two modes.

Each attack is a file in tests/fixtures/hostile/ appended to one module of a correct
(reference) submission, or a few files laid into it.  Graded through the real CLI with
tests/fixtures/small-rubric.yaml, every attack must get its honest score: full marks on
every item except the ones it sabotaged.  And for every attack, in both modes:
- results.json is valid and written within the rubric's time budget;
- nothing secret leaks into results.json or the grader's output: the hidden item's inputs
  and expected values, the rubric's source, grader and test source (canaries below);
- no process of the sandbox user is left, and no file of it in the shared temp dirs.

Modes: `native` (this machine: Landlock, CAP_SYS_ADMIN held by the grader) and
`container` (tests/emulate_container.py: no CAP_SYS_ADMIN, namespaces denied, Landlock
missing, the grader run from a private copy of the product as on Gradescope, with the
developer's checkout, where an editable install points, hidden as it is there).  The
isolation layers each mode had are asserted from the grader's own log (results.json
extra_data.isolation), so a layer that silently stops working fails the suite.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import jsonschema
import pytest
import torch

from conftest import FIXTURES, ROOT, SCHEMA, env_without_checkout, hostile, make_submission, sandbox_processes

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="privilege separation needs root")

RUBRIC = FIXTURES / "small-rubric.yaml"
ITEMS = ("gkl", "reparameterize", "grads", "gcn", "alpha-bars", "q-sample-hidden", "kl-ordered")
BUDGET_S = 60                                     # small-rubric.yaml's total_budget_s
SOURCE_CANARIES = {                               # text of a protected file -> the file it is taken from
    "RUBRIC-SOURCE-7d1f": RUBRIC,                                          # a comment in the rubric
    "One grading run: rubric + submission": ROOT / "autograder" / "grading" / "engine.py",        # its docstring
    "Known wrong answers, used to recognise": ROOT / "reference" / "misconceptions.py",          # its docstring
    "Shared helpers: build submissions": ROOT / "tests" / "conftest.py",                          # its docstring
}
GRADER_SECRET = {"GM_GRADER_SECRET": "LEAKED-ENVIRONMENT-7f3a"}   # in every grader's environment (env_canary reads it)
CANARIES = (*SOURCE_CANARIES, "PWNED", "LEAKED")  # and what the fixtures print when an attack works
SHARED_TEMP = ("/tmp", "/var/tmp", "/dev/shm")
CANARY_TARGET = Path("/tmp/gm-canary")            # root-owned; tmp_symlinks.py points links at it


# -- the secrets: the hidden item's inputs and expected values ------------------------------
def hidden_values() -> list[list[float]]:
    """Every floating tensor the hidden item sends or expects, as flat lists."""
    from autograder.grading.rubric import load
    from autograder.grading.runner import expected_value

    _, items = load(RUBRIC)
    values = []
    for graded in (i for i in items if i.visibility == "hidden"):
        for params, seed in graded.cases:
            call = graded.check.build(params, torch.Generator().manual_seed(seed))
            expected = expected_value(graded, params, call)
            for t in (*call.args, *call.kwargs.values(), expected):
                if isinstance(t, torch.Tensor) and t.is_floating_point() and t.numel() >= 3 and t.unique().numel() >= 3:
                    values.append(t.flatten().tolist())
    return values


NUMBER = re.compile(r"-?\d+\.\d+(?:e[-+]?\d+)?")


def leaked_values(text: str, secrets: list[list[float]]) -> list[float]:
    """Three consecutive secret values printed in a row (as torch, repr or tolist print them)."""
    found = [float(m) for m in NUMBER.findall(text)]
    for values in secrets:
        for i in range(len(values) - 2):
            run = values[i:i + 3]
            for j in range(len(found) - 2):
                if all(abs(a - b) <= 6e-5 * max(1.0, abs(a)) for a, b in zip(run, found[j:j + 3])):
                    return run
    return []


SECRETS = hidden_values()


def test_the_leak_detector_sees_hidden_values_however_they_are_printed():
    assert SECRETS, "the small rubric has a hidden item with floating inputs"
    flat = SECRETS[0]
    tensor = torch.tensor(flat, dtype=torch.float64)
    for printed in (str(tensor), repr(flat), " ".join(f"{v:.4f}" for v in flat), str(tensor.float().tolist())):
        assert leaked_values(f"got {printed} here", SECRETS), printed
    assert not leaked_values("Passed 1 of 1 cases. 0.1000 0.2000 0.3000", SECRETS)


# -- the two modes ---------------------------------------------------------------------------
def copy_product(root: Path) -> Path:
    """The product's files a grader runs from, with the test rubrics at their usual place under `root`."""
    for name in ("autograder", "reference", "rubrics", "schemas"):
        shutil.copytree(ROOT / name, root / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(FIXTURES, root / "tests" / "fixtures")
    return root


@pytest.fixture(scope="session")
def private_copy(tmp_path_factory) -> Path:
    """The product as Gradescope holds it: a copy readable by root only."""
    root = copy_product(tmp_path_factory.mktemp("source"))
    os.chmod(root, 0o700)
    return root


@pytest.fixture(params=["native", "container"])
def mode(request, tmp_path) -> str:
    """The mode; in the container, /tmp is tmp_path/"tmp" (see container_tmp) with pytest's folders bound in."""
    if request.param == "container":
        make_container_tmp(tmp_path)
    return request.param


def container_tmp(tmp_path: Path) -> Path:
    return tmp_path / "tmp"


def make_container_tmp(tmp_path: Path) -> Path:
    """The container's /tmp, world-writable and sticky like the real one."""
    tmp = container_tmp(tmp_path)
    tmp.mkdir(mode=0o1777)
    os.chmod(tmp, 0o1777)                                # mkdir's mode passes through the umask
    return tmp


def in_container(command: list[str], tmp: Path, keep: list[Path]) -> tuple[list[str], dict[str, str]]:
    """`command` wrapped to run in the emulated container, and its environment.

    `tmp` becomes /tmp; the developer's checkout is hidden; `keep` (and a venv inside the
    checkout) stays visible at its own path.
    """
    keep = [*keep, *[Path(sys.prefix)] * Path(sys.prefix).is_relative_to(ROOT)]
    env = env_without_checkout() | {"GM_TMP": str(tmp), "GM_HIDE": str(ROOT), "GM_KEEP": ":".join(map(str, keep))}
    return [sys.executable, str(ROOT / "tests" / "emulate_container.py"), *command], env


def grade(mode: str, submission: Path, out: Path, rubric: Path = RUBRIC, private: Path | None = None) -> tuple[dict, str]:
    """Grade through `python -m autograder grade` natively, or inside the emulated container."""
    args = ["-m", "autograder", "grade", str(submission), "--assignment", "cmu10417-f2023", "--output", str(out)]
    if mode == "native":
        command, cwd, env = [sys.executable, *args, "--rubric", str(rubric)], ROOT, env_without_checkout()
    else:
        command, env = in_container([sys.executable, *args, "--rubric", str(private / rubric.relative_to(ROOT))],
                                    container_tmp(out.parent), [private.parent])        # pytest's base temp dir
        cwd = private
    env |= GRADER_SECRET
    begin = time.monotonic()
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=cwd, env=env)
    stdout, stderr = proc.communicate(timeout=BUDGET_S + 60)
    wall = time.monotonic() - begin
    assert proc.returncode == 0, stdout + stderr
    raw = out.read_bytes()
    results = json.loads(raw.decode("utf-8"))                               # strict UTF-8
    json.dumps(results, ensure_ascii=False).encode("utf-8")                  # and no lone surrogate in any string
    jsonschema.validate(results, SCHEMA)
    assert results["execution_time"] < BUDGET_S and wall < BUDGET_S + 20
    results["grader_pid"] = proc.pid                 # for leftovers(); not part of results.json
    return results, stdout + stderr


def assert_isolation(mode: str, results: dict) -> None:
    """The layers the grader logged for this mode: all of them natively; no Landlock and no CAP_SYS_ADMIN in the container."""
    isolation = results["extra_data"]["isolation"]
    for phase in ("visible", "hidden"):
        layers = isolation[phase]
        assert layers["uid_drop"] and layers["setsid"] and layers["rlimits"] and layers["no_new_privs"], layers
        assert layers["seccomp"] and layers["oom_score_adj"], layers
        assert (layers["landlock_abi"] >= 1) == (mode == "native"), layers
    assert isolation["grader"]["cap_sys_admin"] == (mode == "native")
    if mode == "container":
        assert isolation["grader"]["readable_by_sandbox"] == []     # secrets rest on file permissions alone there


def outside_code(markdown: str) -> str:
    """The markdown with its fenced blocks and inline code spans taken out: the text a reader sees as prose."""
    return re.sub(r"`[^`\n]*`", "", re.sub(r"```.*?```", "", markdown, flags=re.S))


def sysv_objects_of(user: str) -> list[str]:
    """System V message queues, shared-memory segments and semaphore sets owned by `user`."""
    import pwd

    uid, found = pwd.getpwnam(user).pw_uid, []
    for table in ("msg", "shm", "sem"):
        header, *rows = [line.split() for line in Path(f"/proc/sysvipc/{table}").read_text().splitlines() if line.strip()]
        found += [f"{table} {row[1]}" for row in rows if int(row[header.index("uid")]) == uid]
    return found


def leftovers(grader_pid: int, tops=SHARED_TEMP) -> list[str]:
    """Files of the sandbox user in the shared temp dirs, and that grader's scratch dirs, after grading."""
    import pwd

    uid = pwd.getpwnam("gm-sandbox").pw_uid
    left = []
    for top in tops:
        for entry in os.scandir(top):
            if entry.stat(follow_symlinks=False).st_uid == uid or entry.name.startswith(f"gm-grade-{grader_pid}-"):
                left.append(entry.path)
    return left


# -- the attacks -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Attack:
    fixture: str                                  # tests/fixtures/hostile/<fixture>.py, or a name for `lay_out`
    module: str = "vae.py"                        # the submission file it is appended to
    lost: tuple[str, ...] = ()                    # items the honest score loses
    says: tuple[tuple[str, str], ...] = ()        # (item, text its feedback must contain)
    lay_out: Callable[[Path], Path] | None = None  # builds the submission from a reference one instead
    partial: tuple[tuple[str, float], ...] = ()   # (item, score) where the honest score is neither 0 nor 1
    only_as_code: tuple[str, ...] = ()            # text that may appear in feedback only inside code

    def __str__(self) -> str:
        return self.fixture


def _symlinks_to_secrets(sub: Path) -> Path:
    """Attack 5 through the archive: links in the submission to the reference and the rubric."""
    (sub / "link.py").symlink_to(ROOT / "reference" / "vae.py")
    (sub / "rubric.yaml").symlink_to(RUBRIC)
    (sub / "vae.py").unlink()
    (sub / "vae.py").symlink_to(ROOT / "reference" / "vae.py")
    return sub


def _shadowing_files(sub: Path) -> Path:
    """Attack 20: files that hijack Python or pytest start-up, and modules named like the grader's imports."""
    payload = "open('/tmp/PWNED-shadow', 'w').write('x')\nraise SystemExit('PWNED')\n"
    for name in ("conftest.py", "sitecustomize.py", "usercustomize.py", "torch.py", "json.py", "numpy.py", "pytest.py",
                 "yaml.py", "autograder.py", "reference.py", "wire.py"):
        (sub / name).write_text(payload)
    (sub / "evil.pth").write_text("import os; os.system('touch /tmp/PWNED-pth')\n")
    (sub / "pytest.ini").write_text("[pytest]\naddopts = -p conftest\n")
    (sub / "__init__.py").write_text(payload)
    return sub


def _broken_source(sub: Path) -> Path:
    """Attack 15: a non-UTF-8 source with NUL bytes."""
    (sub / "gcn.py").write_bytes(b"\xff\xfe not utf-8 \x00\n")
    return sub


def _huge_source(sub: Path) -> Path:
    """Attack 15: a 38 MiB literal (a minute to compile) in vae.py."""
    with open(sub / "vae.py", "a") as f:
        f.write("\nBLOB = '" + "x" * (38 << 20) + "'\n")
    return sub


def _deep_submission(sub: Path) -> Path:
    """Red team 6: 1,200 nested folders in the submission (made by descriptors: the path is too deep for makedirs)."""
    fd = os.open(sub, os.O_RDONLY)
    for _ in range(1200):
        os.mkdir("d", dir_fd=fd)
        deeper = os.open("d", os.O_RDONLY, dir_fd=fd)
        os.close(fd)
        fd = deeper
    os.close(fd)
    return sub


def _bad_unicode_names(sub: Path) -> Path:
    """Red team 5: file names that are not UTF-8 (a file and a link, which is noted as skipped), and the fixture."""
    with open(sub / "vae.py", "a") as f:
        f.write("\n\n" + hostile("bad_unicode") + "\n")
    (sub / os.fsdecode(b"notes-\xff\xfe.txt")).write_text("x")
    (sub / os.fsdecode(b"link-\xff.py")).symlink_to(sub / "vae.py")
    return sub


def _wrong_r1_and_replaced_probe(sub: Path) -> Path:
    """Red team 2: vae.py (imported first) replaces the probe where it can; divergences.py's kl_dual_r1 has the plus sign."""
    with open(sub / "vae.py", "a") as f:
        f.write("\n\n" + hostile("replace_probe") + "\n")
    with open(sub / "divergences.py", "a") as f:
        f.write("\n\ndef kl_dual_r1(t_p, t_q):\n    return t_p.mean() + torch.exp(t_q - 1).mean()\n")
    return sub


def _hostile_archive(sub: Path) -> Path:
    """Attack 15: a zip with path traversal, an absolute path, a symlink entry and a bomb, around the right modules."""
    archive = sub.parent / "submission.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        for path in sorted(sub.iterdir()):
            z.write(path, path.name)
        z.writestr("../../escaped.py", "x = 1\n")
        z.writestr("/tmp/gm-absolute.py", "x = 1\n")
        link = zipfile.ZipInfo("gcn_link.py")
        link.external_attr = 0o120777 << 16
        z.writestr(link, str(ROOT / "reference" / "gcn.py"))
        z.writestr("bomb.bin", b"\0" * (200 << 20))
    return archive


ATTACKS = [
    # score and secrets
    Attack("results_at_import"),
    Attack("results_at_exit"),
    Attack("results_runner_append"),
    Attack("patch_comparisons", lost=("gkl", "reparameterize"), says=(("gkl", "differs"),)),
    Attack("patch_runner", lost=("gkl",), says=(("gkl", "differs"),)),
    Attack("lying_subclass", lost=("gkl", "reparameterize"), says=(("gkl", "subclass"),)),
    Attack("lying_object", lost=("gkl",), says=(("gkl", "returned an object of type `Anything`, expected torch.Tensor"),)),
    Attack("pickle_reduce", lost=("gkl", "reparameterize")),
    Attack("forged_frame", lost=("gkl",), says=(("gkl", "interfered with the grader's channel"),)),
    Attack("frame_snoop", lost=("gkl",)),
    Attack("import_reference", lost=("gkl",), says=(("gkl", "no reference.vae: "), ("gkl", "no autograder.grading.rubric: "))),
    Attack("read_secrets", lost=("gkl",)),
    Attack("symlinks_to_secrets", lay_out=_symlinks_to_secrets, lost=("gkl", "reparameterize", "grads"),
           says=(("gkl", "vae.py"),)),
    Attack("mutate_inputs", lost=("gkl",), says=(("gkl", "modified its input `mu`, `sigma` in place"),)),
    Attack("nan_output", lost=("gkl",), says=(("gkl", "got nan"),)),
    Attack("inf_output", lost=("reparameterize",), says=(("reparameterize", "inf"),)),
    Attack("broadcast_shape", lost=("reparameterize",), says=(("reparameterize", "has shape (3, 1), expected (3, 2)"),)),
    Attack("integer_dtype", lost=("grads",), says=(("grads", "dtype torch.int64, expected a floating tensor"),)),
    Attack("meta_device", module="gcn.py", lost=("gcn",), says=(("gcn", "device `meta`"),)),
    Attack("hardcoded_visible", module="diffusion.py", lost=("q-sample-hidden",)),
    Attack("remember_inputs", module="diffusion.py", says=(("alpha-bars", "VISIBLE-CALL"),)),
    Attack("timing_channel", module="diffusion.py"),
    Attack("passfail_channel", module="diffusion.py", lost=()),
    Attack("leak_by_exception", module="diffusion.py", lost=("q-sample-hidden",)),
    Attack("leak_by_print", module="diffusion.py", lost=("q-sample-hidden",)),
    Attack("leak_by_wrong_answer", module="diffusion.py", lost=("q-sample-hidden",)),
    # availability
    Attack("exit_in_call", lost=("gkl",), says=(("gkl", "SystemExit"),)),
    Attack("os_exit_in_call", lost=("grads",), says=(("grads", "died during the call"),)),
    Attack("interrupt_in_call", lost=("reparameterize",), says=(("reparameterize", "KeyboardInterrupt"),)),
    Attack("exit_at_import", module="gcn.py", lost=("gcn",), says=(("gcn", "bye from gcn.py"),)),
    Attack("segfault", lost=("gkl",), says=(("gkl", "died during the call"),)),
    Attack("deep_recursion", lost=("reparameterize",)),
    Attack("busy_loop", lost=("gkl",), says=(("gkl", "timed out"),)),
    Attack("sleep", lost=("reparameterize",), says=(("reparameterize", "timed out"),)),
    Attack("import_hang", lost=("gkl", "reparameterize", "grads"),
           says=(("grads", "importing `vae.py` did not finish within 3 s"),)),
    Attack("fork_bomb"),
    Attack("daemon"),
    Attack("threads"),
    Attack("memory_bomb", lost=("gkl",)),
    Attack("output_flood", says=(("reparameterize", "[...]"),)),
    Attack("file_flood", says=(("grads", "write stopped: File too large"),)),
    Attack("huge_source", lay_out=_huge_source, lost=("gkl", "reparameterize", "grads"),
           says=(("gkl", "vae.py"),)),
    Attack("broken_source", lay_out=_broken_source, lost=("gcn",), says=(("gcn", "cannot be compiled"),)),
    Attack("hostile_archive", lay_out=_hostile_archive),
    # host and environment
    Attack("network", says=tuple(("gkl", f"{how}: denied") for how in ("tcp", "udp", "tcp6", "raw", "netlink", "vsock"))),
    Attack("proc_snoop", says=tuple(("gkl", f"{what}: denied") for what in ("environ", "mem", "maps", "init environ", "grader fds"))),
    Attack("kill_grader", says=(("gkl", "kill parent: denied"), ("gkl", "kill 1: denied"))),
    Attack("ptrace", says=(("gkl", "process_vm_readv: denied"),)),
    Attack("namespaces", says=tuple(("gkl", f"{ns} namespace: denied") for ns in ("user", "mount", "net"))),
    Attack("inherited_fds"),
    Attack("shadowing_files", lay_out=_shadowing_files),
    Attack("tmp_symlinks"),
    # found by the independent red team: one fixture per class, each reaching a root cause
    Attack("leak_at_import", module="diffusion.py", lost=("q-sample-hidden",)),                                  # 1
    Attack("replace_probe", lay_out=_wrong_r1_and_replaced_probe, lost=("kl-ordered",),                          # 2
           says=(("kl-ordered", "on the same critic values"),)),
    Attack("wire_desync", lost=("gkl",), says=(("gkl", "interfered with the grader's channel"),)),               # 3
    Attack("wire_malformed", lost=("gkl", "grads"), says=(("gkl", "interfered with the grader's channel"),)),    # 3
    Attack("stall_pipe", partial=(("gkl", 0.5),), says=(("gkl", "timed out"),)),                                # 4
    Attack("bad_unicode", lay_out=_bad_unicode_names, lost=("gkl",), says=(("gkl", "a lone surrogate: \ufffd"),)),  # 5
    Attack("deep_scratch"),                                                                                      # 6
    Attack("deep_submission", lay_out=_deep_submission),                                                         # 6
    Attack("env_canary", says=(("gkl", "no environment found"),)),                                              # 7
    Attack("sysv_ipc", says=tuple(("gkl", f"{call}: denied") for call in ("msgget", "shmget", "semget"))),       # 8
    Attack("mutate_and_swap", lost=("gkl",), says=(("gkl", "modified its input `mu` in place"),)),               # 9
    Attack("markdown_injection", lost=("gkl", "reparameterize"), only_as_code=("ALL TESTS PASSED", "](http", "| everything |")),  # 10
    Attack("disk_flood", lost=("gkl",), says=(("gkl", "your code wrote more than 64 MiB of files"),)),           # 11
]


def test_every_source_canary_is_text_of_the_file_it_guards():
    """A canary that matches no file can never fire (one did: it named a docstring that had changed)."""
    for canary, path in SOURCE_CANARIES.items():
        assert canary in path.read_text(), (canary, path)


def test_the_suite_covers_every_fixture_and_at_least_35_attacks():
    fixtures = {p.stem for p in (FIXTURES / "hostile").glob("*.py")} - {"slow_but_correct"}
    assert fixtures <= {a.fixture for a in ATTACKS}, fixtures - {a.fixture for a in ATTACKS}
    assert len({a.fixture for a in ATTACKS}) == len(ATTACKS) >= 35


@pytest.fixture
def canary_target():
    CANARY_TARGET.write_text("untouched\n")
    os.chmod(CANARY_TARGET, 0o644)
    yield CANARY_TARGET
    CANARY_TARGET.unlink(missing_ok=True)


@pytest.fixture
def submission_dir(tmp_path):
    """Where an attack's submission is laid out; removed afterwards without recursion (pytest's own clean-up of old
    temp folders recurses, and one attack's folders are 1,200 deep)."""
    from autograder.sandbox.cleanup import remove_tree

    yield tmp_path / "sub"
    remove_tree(tmp_path / "sub")


@pytest.mark.parametrize("attack", ATTACKS, ids=str)
def test_attack(attack: Attack, mode: str, private_copy: Path, tmp_path: Path, canary_target: Path, submission_dir: Path):
    sub = make_submission(submission_dir, append=None if attack.lay_out else {attack.module: hostile(attack.fixture)})
    if attack.lay_out:
        sub = attack.lay_out(sub)
    results, printed = grade(mode, sub, tmp_path / "results.json", private=private_copy)
    tests = dict(zip(ITEMS, results["tests"]))
    honest = {item: 0.0 if item in attack.lost else 1.0 for item in ITEMS} | dict(attack.partial)
    assert {item: t["score"] for item, t in tests.items()} == honest, \
        {item: t["output"][:300] for item, t in tests.items() if t["score"] != honest[item]}
    for item, text in attack.says:
        assert text in tests[item]["output"], tests[item]["output"]
    for text in attack.only_as_code:
        assert all(text not in outside_code(t["output"]) for t in results["tests"]) and text not in outside_code(results["output"])
    everything = json.dumps(results) + printed
    for canary in CANARIES:
        assert canary not in everything, canary
    assert not leaked_values(everything, SECRETS), "a hidden input or expected value reached the output"
    assert all(not t["extra_data"] and "execution_time" not in t for t in results["tests"]), "per-test timings: a side channel"
    assert not any(Path(p).exists() for p in ("/tmp/PWNED-pickle", "/tmp/PWNED-shadow", "/tmp/PWNED-pth", "/tmp/gm-absolute.py", "/tmp/escaped.py"))
    assert canary_target.read_text() == "untouched\n" and not canary_target.is_symlink()
    assert sandbox_processes() == [], "a sandbox process outlived grading"
    assert sysv_objects_of("gm-sandbox") == [], "System V IPC objects of the sandbox user outlived grading"
    pid = results.pop("grader_pid")
    assert leftovers(pid) == [], "the sandbox user left files behind"
    if mode == "container":
        assert leftovers(pid, [container_tmp(tmp_path)]) == [], "the sandbox user left files in the container's /tmp"
    assert_isolation(mode, results)


def test_an_unlocked_product_in_a_container_is_reported_where_it_cannot_be_protected(tmp_path):
    """setup.sh's `chmod -R go-rwx` skipped and no Landlock: nothing guards the reference, and the grader says so."""
    inside = make_container_tmp(tmp_path)
    copy_product(inside / "source")
    make_submission(inside / "sub")
    subprocess.run(["chmod", "-R", "go+rX", str(inside / "source"), str(inside / "sub")], check=True)
    grade_there = (f"cd /tmp/source && exec {sys.executable} -m autograder grade /tmp/sub --assignment cmu10417-f2023 "
                   f"--output /tmp/results.json --rubric /tmp/source/{RUBRIC.relative_to(ROOT)}")  # as run_autograder does
    command, env = in_container(["sh", "-c", grade_there], inside, [])
    proc = subprocess.run(command, env=env, capture_output=True, text=True, timeout=BUDGET_S + 60)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    grader = json.loads((inside / "results.json").read_text())["extra_data"]["isolation"]["grader"]
    assert grader["readable_by_sandbox"] == ["grader", "reference", "rubric"] and not grader["cap_sys_admin"]
    assert grader["warning"].startswith("grader, reference, rubric readable by the sandbox user and Landlock is off")
    assert f"warning: {grader['warning']}" in proc.stderr


# -- the attacks that need more than one look ---------------------------------------------------
def test_attack16_slow_but_correct_code_gets_partial_credit_within_the_total_budget(mode, private_copy, tmp_path):
    sub = make_submission(tmp_path / "sub", append={"vae.py": hostile("slow_but_correct")})
    begin = time.monotonic()
    results, _ = grade(mode, sub, tmp_path / "r.json", rubric=FIXTURES / "budget-rubric.yaml", private=private_copy)
    assert all(t["name"] != "Grader errors (instructors only)" for t in results["tests"])
    gkl, more, hidden, alpha = results["tests"]
    assert gkl["score"] == 2.0 and "Passed 2 of 3 cases" in gkl["output"] and "timed out" in gkl["output"]
    assert "**Hint:**" not in gkl["output"] and "**Hint:**" not in more["output"]   # no formula hint for a timeout
    assert more["score"] == 0 and "time budget" in more["output"]
    assert hidden["score"] == 0 and "time budget" in hidden["output"]          # shown even in a hidden test
    assert alpha["score"] == 0 and "time budget" in alpha["output"]
    assert results["score"] == 2.0 and time.monotonic() - begin < 4 + 10      # budget plus start-up, never the 30 s sleeps
    assert sandbox_processes() == []



def test_ipc_objects_the_sandbox_user_owns_are_removed_after_grading(tmp_path):
    """Made outside any worker (seccomp denies the calls in one), as the sandbox user: a queue holding a message."""
    import ctypes
    import pwd

    account = pwd.getpwnam("gm-sandbox")
    child = os.fork()
    if child == 0:                                                   # pragma: no cover - the child
        try:
            os.setgid(account.pw_gid)
            os.setuid(account.pw_uid)
            ctypes.CDLL(None).msgget(0, 0o1000 | 0o600)              # IPC_PRIVATE, IPC_CREAT
        finally:
            os._exit(0)
    os.waitpid(child, 0)
    assert sysv_objects_of("gm-sandbox"), "the test could not make an IPC object"
    grade("native", make_submission(tmp_path / "sub"), tmp_path / "r.json")
    assert sysv_objects_of("gm-sandbox") == []
