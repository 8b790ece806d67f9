"""The known wrong answers really are wrong, and wrong in the way their hints say."""
import torch

from reference import diffusion, misconceptions, vae

torch.set_default_dtype(torch.float64)


def test_seed002_dsigma_differs_from_autograd_only_in_dsigma():
    gen = torch.Generator().manual_seed(0)
    args = [torch.randn(3, 4, generator=gen), torch.randn(3, 4, generator=gen), 0.5 + torch.rand(3, 4, generator=gen),
            torch.randn(3, 4, generator=gen)]
    right, wrong = vae.vae_loss_grads(*args), misconceptions.wrong_vae_dsigma_seed002(*args)
    torch.testing.assert_close(wrong[0], right[0])
    assert not torch.allclose(wrong[1], right[1])


def test_seed002_alpha_bar_has_one_factor_too_many_for_constant_beta():
    beta = 0.2
    wrong = misconceptions.wrong_alpha_bar_seed002(torch.full((5,), beta))
    torch.testing.assert_close(wrong, torch.tensor([(1 - beta) ** (t + 1) for t in range(6)]))
    assert not torch.allclose(wrong, diffusion.alpha_bars(torch.full((5,), beta)))


# --- Every detector, through the grader's own matching (checks._misconception) -----------------------------
import pytest  # noqa: E402

from autograder.grading.mistakes import explain, wrong_answers  # noqa: E402
from autograder.grading.rubric import GradedItem, Item  # noqa: E402
from autograder.grading.runner import expected_value  # noqa: E402
from autograder.grading.sides import ReferenceSide  # noqa: E402
from autograder.specs.base import Tolerance  # noqa: E402
from autograder.specs.registry import registry  # noqa: E402

# Cases where a mistake shows; elsewhere it may coincide with the right answer (AB = BA at pixel 33).
SHOWS_ON = {
    ("autoregressive.receptive_field", "types_swapped"): {"mask_types": "AA"},
    ("divergences.kl_dual_r2", "naive_log_mean_exp"): {"offset": 1000.0},
    ("vae.iwae_bound", "naive_log_mean_exp"): {"scale": 1000.0},
    ("gan.jsd", "bits"): {},
}
# Mistakes in one function seen through a check that drives it from a probe.
THROUGH_PROBES = [
    ("autoregressive.masked_conv2d", "receptive_field", "autoregressive.masked_conv2d", "kernel_flipped", {"mask_types": "AB"}),
    ("autoregressive.masked_conv2d", "receptive_field", "autoregressive.masked_conv2d", "unmasked", {}),
    ("simsiam.simsiam_H", "matches_encoder_update", "simsiam.simsiam_H", "row_major_vec", {}),
    ("priors.log_vamp_prior", "values", "priors.log_vamp_prior", "mean_of_logs", {}),
    ("priors.log_vamp_prior", "values", "priors.log_vamp_prior", "unnormalised", {}),
]


def _graded(qualname: str, check: str, params: dict) -> tuple[GradedItem, object]:
    spec = registry()[qualname]
    p = spec.checks[check].params.model_validate(params)
    item = Item(id="x", function=qualname, check=check, points=1, cases=[params])
    g = GradedItem(item=item, number="1", spec=spec, check=spec.checks[check], visibility="visible", partial_credit="fraction",
                   tolerance=Tolerance(), timeout_s=10, cases=[(p, 0)])
    return g, g.check.build(p, torch.Generator().manual_seed(3))


def _verdict(g: GradedItem, got, expected, call):
    return g.check.judge(got, expected, call, g.comparison)


def _misconception(g: GradedItem, got, call):
    return explain(got, call, g.comparison, lambda: wrong_answers(g.check, call))


DIRECT = [(q, m) for q, ms in misconceptions.MISCONCEPTIONS.items() for m in ms if q != "priors.log_vamp_prior"]
EVERY = [(q, m) for q, ms in misconceptions.MISCONCEPTIONS.items() for m in ms]


def _differs(wrong, right) -> bool:
    if isinstance(right, (tuple, list)):
        return not isinstance(wrong, (tuple, list)) or len(wrong) != len(right) or any(_differs(w, r) for w, r in zip(wrong, right))
    return wrong.shape != right.shape or wrong.dtype != right.dtype or not torch.allclose(wrong, right, equal_nan=True)


@pytest.mark.parametrize("qualname,known", EVERY, ids=[f"{q}:{m.name}" for q, m in EVERY])
def test_every_misconception_differs_from_the_reference(qualname, known):
    """Plain torch, not the grader's comparison: on a case of its function's spec, each known mistake gives another value."""
    g, call = _graded(qualname, "values", SHOWS_ON.get((qualname, known.name), {}))
    right = g.check.run(ReferenceSide(), call)
    assert _differs(g.check.run(ReferenceSide({qualname: known.wrong}), call), right), known.name


@pytest.mark.parametrize("qualname,known", DIRECT, ids=[f"{q}:{m.name}" for q, m in DIRECT])
def test_each_mistake_fails_the_values_check_and_is_recognised_with_its_own_hint(qualname, known):
    g, call = _graded(qualname, "values", SHOWS_ON.get((qualname, known.name), {}))
    wrong = known.wrong(*call.args, **call.kwargs)
    assert _verdict(g, wrong, expected_value(g, g.cases[0][0], call), call) is not None, "the mistake passes"
    assert _misconception(g, wrong, call) == known.hint


@pytest.mark.parametrize("qualname,check,broken,name,params", THROUGH_PROBES, ids=[f"{c}:{n}" for _, c, _, n, _ in THROUGH_PROBES])
def test_mistakes_are_recognised_through_probe_checks(qualname, check, broken, name, params):
    known = next(m for m in misconceptions.MISCONCEPTIONS[broken] if m.name == name)
    g, call = _graded(qualname, check, params)
    got = g.check.run(ReferenceSide({broken: known.wrong}), call)
    assert _verdict(g, got, expected_value(g, g.cases[0][0], call), call) is not None
    assert _misconception(g, got, call) == known.hint


def test_kernel_flipping_mirrors_the_aa_field_through_the_centre():
    flipped = misconceptions.receptive_field_kernel_flipped("AA")
    names = " ".join(f"{r + 1}{c + 1}" for r, c in flipped.nonzero().tolist())
    assert names == "35 43 44 45 51 52 53 54 55"                      # catalogue section 10


def test_seed004_eq12_is_minus_the_elbo():
    from reference import flows

    a, b, c = (torch.randn(5, 3, generator=torch.Generator().manual_seed(i)) for i in range(3))
    torch.testing.assert_close(misconceptions.flow_free_energy_seed004_eq12(a, b, c), -flows.flow_elbo(a, b, c))


def test_row_major_h_is_the_column_major_h_under_the_vec_permutation():
    gen = torch.Generator().manual_seed(4)
    Wp, A, B = torch.randn(2, 2, generator=gen), torch.randn(3, 3, generator=gen), torch.randn(3, 3, generator=gen)
    X, Xp = A @ A.T, B @ B.T
    from reference import simsiam

    perm = torch.arange(6).reshape(3, 2).T.reshape(-1)               # column-stacked position of each row-stacked entry
    torch.testing.assert_close(misconceptions.simsiam_H_rowmajor(Wp, X, Xp), simsiam.simsiam_H(Wp, X, Xp)[perm][:, perm])
