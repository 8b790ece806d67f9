"""`audit`'s regimes: operation sites (both signs of an abs, both sides of a clamp, ...), declared regimes of the
arguments, and the global rules each item checks."""
import json
import os
import subprocess
import sys

import pytest
import torch

from autograder.commands.audit.regimes import unreached
from autograder.commands.audit.sites import LARGE, Sites, reached
from autograder.commands.audit.variants import dependents
from autograder.grading.rubric import find, load
from conftest import ROOT, run_cli

F = torch.float64


@pytest.mark.parametrize("name, args, kwargs, regimes", [
    ("abs", (torch.tensor([-1.0, 2.0], dtype=F),), {}, {"negative", "positive"}),
    ("abs", (torch.tensor([1.0, 2.0], dtype=F),), {}, {"positive"}),
    ("clamp_min", (torch.tensor([0.5, 2.0], dtype=F), 1.0), {}, {"clipped", "inside"}),
    ("clamp", (torch.tensor([0.5, 2.0], dtype=F),), {"max": 3.0}, {"inside"}),
    ("maximum", (torch.tensor([1.0], dtype=F), torch.tensor([2.0], dtype=F)), {}, {"second"}),
    ("where", (torch.tensor([True, False]), torch.ones(2), torch.zeros(2)), {}, {"true", "false"}),
    ("logsumexp", (torch.tensor([1.0, -800.0], dtype=F), 0), {}, {"moderate", "large"}),
    ("log1p", (torch.tensor([1e-13, 0.0], dtype=F),), {}, {"tiny"}),
    ("linalg_slogdet", (torch.tensor([[0.0, 1.0], [1.0, 0.0]], dtype=F),), {}, {"negative"}),
    ("matmul", (torch.ones(2, 2),), {}, None),
])
def test_each_operation_reports_the_regimes_its_arguments_fall_in(name, args, kwargs, regimes):
    assert reached(name, args, kwargs) == regimes


SOURCE = '''
import torch

def helper(x):
    return torch.abs(x)

def f(x):
    return torch.logsumexp(helper(x), -1)
'''


def _sites(tmp_path, *inputs):
    path = tmp_path / "m.py"
    path.write_text(SOURCE)
    namespace = {"__file__": str(path)}
    exec(compile(SOURCE, str(path), "exec"), namespace)
    sites = Sites(str(path), "m", "f")
    with sites:
        for x in inputs:
            namespace["f"](torch.tensor(x, dtype=F))
        namespace["helper"](torch.tensor([-1.0], dtype=F))          # outside f: not f's regime
    return sites.unreached()


def test_a_site_names_the_regimes_no_call_reached_in_the_function_and_its_helpers(tmp_path):
    assert _sites(tmp_path, [1.0, 2.0]) == [
        f"m.f:8 magnitude: never |argument| > {LARGE:.0f} (the naive formula overflows)",
        "m.f -> helper:5 abs: never an argument < 0"]
    assert _sites(tmp_path, [1.0, -2.0], [900.0]) == []


def _line(module: str, text: str) -> int:
    return 1 + next(i for i, line in enumerate((ROOT / "reference" / module).read_text().splitlines()) if text in line)


def test_the_issue_s_log_determinants_without_abs_are_regimes_the_old_cases_never_reached():
    """h2019's log_density_full and csc6137's planar layers had no negative determinant until the cases asked for one."""
    slogdet, abs_line = _line("vae.py", "slogdet(S).logabsdet"), _line("flows.py", "torch.log(torch.abs(1 + psi @ u))")
    _, h2019 = load(find("ift6135-h2019"))
    items = dependents(h2019, "vae.log_density_full")
    without = [g for g in items if not any(getattr(p, "negative_det", False) for p, _ in g.cases)]
    assert f"vae.log_density_full:{slogdet} slogdet: never a determinant < 0" in unreached("vae.log_density_full", without).describe()
    assert not unreached("vae.log_density_full", items).describe()
    _, csc = load(find("csc6137-hw2"))
    planar = dependents(csc, "flows.planar_forward")
    before = [g for g in planar if not any(getattr(p, "non_invertible", False) for p, _ in g.cases)]
    assert f"flows.planar_forward:{abs_line} abs: never an argument < 0" in unreached("flows.planar_forward", before).describe()
    assert not unreached("flows.planar_forward", planar).describe()


def test_declared_regimes_name_what_the_arguments_never_were():
    """w2023's weighted-eps-loss item had no t = 1 and no t = T; f2023's generator losses no D at 1 or near 0."""
    _, w2023 = load(find("ift6135-w2023"))
    weighted = [g for g in w2023 if g.id == "weighted-eps-loss"]
    first_two = [g.model_copy(update={"cases": g.cases[:2]}) for g in weighted]
    missing = unreached("diffusion.weighted_eps_loss", first_two).regimes
    assert missing == ["t = 1", "t = T"]
    assert unreached("diffusion.weighted_eps_loss", weighted).regimes == []
    _, f2023 = load(find("ift6135-f2023"))
    saturating = [g.model_copy(update={"cases": g.cases[:2]}) for g in f2023 if g.id == "generator-loss-saturating"]
    assert set(unreached("gan.generator_loss_saturating", saturating).regimes) == {
        "d_fake = 0", "d_fake = 1", "0 < d_fake < 1e-12", "1 - 1e-12 < d_fake < 1", "one sample"}


def test_every_shipped_spec_s_regimes_read_its_own_arguments():
    """A declared regime names an argument of its function: a typo would make it silently unreachable."""
    from autograder.specs.registry import registry

    for spec in registry().values():
        for regime in spec.regimes:
            try:
                regime.holds({name: None for name in spec.arg_names})
            except KeyError as exc:
                pytest.fail(f"{spec.qualname}: regime {regime.name!r} reads {exc}, not an argument")
            except Exception:  # noqa: BLE001 - None is no value of the argument; only the name matters here
                pass


@pytest.mark.skipif(os.geteuid() != 0, reason="grades submissions")
def test_an_item_that_does_not_check_a_global_rule_is_listed(tmp_path):
    """Every value item checks the three rules as shipped; a grader that did not check one is simulated by a worker
    that never reports hidden randomness (patched before the zygote starts, so every worker forks it)."""
    proc = run_cli("audit", "cmu10417-f2023", "--function", "vae.reparameterize", "-q", "--json", str(tmp_path / "a.json"))
    report = json.loads((tmp_path / "a.json").read_text())["cmu10417-f2023"]
    assert proc.returncode == 0 and report["uncovered"] == {}, proc.stdout
    patched = tmp_path / "patched.py"
    patched.write_text("import runpy, sys\nfrom autograder.sandbox import worker\nworker._changed = lambda states: []\n"
                       "sys.argv = ['autograder', *sys.argv[1:]]\nrunpy.run_module('autograder', run_name='__main__')\n")
    proc = subprocess.run([sys.executable, str(patched), "audit", "cmu10417-f2023", "--function", "vae.reparameterize", "-q",
                           "--json", str(tmp_path / "b.json")], capture_output=True, text=True, cwd=ROOT, timeout=600)
    report = json.loads((tmp_path / "b.json").read_text())["cmu10417-f2023"]
    assert proc.returncode == 1
    assert report["uncovered"] == {item: ["vae.reparameterize: global rule not checked: no hidden randomness"]
                                   for item in ("reparameterize", "reparameterize-hidden")}


def test_a_course_s_declared_regimes_are_measured_like_the_product_s():
    """gm101-hw4's first item alone never has t = 1 or T = 1; the rubric's other items do."""
    from autograder import course

    previous = course.active()
    try:
        course.use(ROOT / "examples" / "gm101-s2027")
        _, items = load(find("gm101-hw4"))
        first = [g for g in items if g.id == "reverse-step"]
        assert unreached("ddpm.reverse_step", first).describe() == [
            "ddpm.reverse_step: no case with t = 1 (no noise)", "ddpm.reverse_step: no case with T = 1"]
        assert unreached("ddpm.reverse_step", dependents(items, "ddpm.reverse_step")).describe() == []
    finally:
        course.use(previous.root)
