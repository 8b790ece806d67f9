"""Calibration of every assignment: the reference scores full marks, the template zero, and each
known mistake from the seeds (or a convention slip) loses exactly the items it breaks, with its hint.

Mistakes that touch disjoint sets of items are graded together in one submission per assignment:
the items lost must be exactly the union of what each mistake breaks, and each of those items must
carry its own mistake's hint (visible items) or a bare pass count (hidden items).
"""
import pytest

from autograder.grading.rubric import find, load
from conftest import ASSIGNMENTS, by_id, grade, make_submission

NEW = [a for a in ASSIGNMENTS if a != "cmu10417-f2023"]      # cmu10417-f2023: test_calibration.py

# assignment -> [(module, code appended, items it breaks, hint fragment or None for a hidden-only loss)]
MISTAKES = {
    "cmu10417-f2023": [
        ("gcn.py", "def policy_gradient(theta, H_nbrs, W, g, idx=None):\n"
                   "    q = torch.softmax(theta, 0)\n    score = torch.eye(theta.numel(), dtype=theta.dtype) - q\n"
                   "    hw = H_nbrs @ W\n    if idx is None:\n        return (q.unsqueeze(1) * score).T @ hw\n"
                   "    return score[idx].T @ hw[idx] / idx.numel()\n",
         {"policy-gradient-exact": "never multiplied back", "policy-gradient-mc": None,
          "policy-gradient-invalid": None, "policy-gradient-large-logits": None}),                 # it never checks idx either
    ],
    "ift6135-w2023": [
        ("diffusion.py", "def mu_from_eps(xt, eps, t, betas):\n    ab = alpha_bars(betas)\n    _check_t(t, 1, betas.numel())\n"
                         "    ab_t, beta_t = _per_sample(ab, t, xt), _per_sample(betas, t - 1, xt)\n"
                         "    return (xt + beta_t / (1 - ab_t).sqrt() * eps) / (1 - beta_t).sqrt()\n",
         # denoising_kl in the same file calls the student's own mu_from_eps, so it breaks too.
         {"mu-from-eps": "prints it without one", "mu-from-eps-hidden": None, "denoising-kl": "x_t = q_sample(x0, t, eps)",
          "denoising-kl-hidden": None}),
        ("simsiam.py", "def simsiam_H(Wp, X, Xp):\n    _check(None, Wp, X, Xp)\n    eye = torch.eye(Wp.shape[0], dtype=Wp.dtype)\n"
                       "    return torch.kron(Wp.T @ Wp + eye, Xp) + torch.kron((Wp - eye).T @ (Wp - eye), X)\n",
         {"simsiam-H": "row stacking", "simsiam-H-consistent": "row stacking"}),
        ("gan.py", "def optimal_discriminator(f0, f1):\n    _check_density('f0', f0)\n    _check_density('f1', f1)\n"
                   "    return f0 / (f0 + f1)\n",
         {"optimal-discriminator": "D on the wrong distribution", "optimal-discriminator-extremes": None}),
        ("gan.py", "def jsd_from_discriminator(d_real, d_fake):\n    return gan_value(d_real, d_fake) / 2\n",
         {"jsd-from-discriminator": "add the log 2", "jsd-from-discriminator-extremes": None}),
    ],
    "ift6135-f2023": [
        ("autoregressive.py", "def masked_conv2d(x, weight, bias, mask_type):\n"
                              "    mask = pixelcnn_mask(mask_type, weight.shape[-1]).to(weight.dtype)\n"
                              "    return F.conv2d(x, torch.flip(weight * mask, (-2, -1)), bias, padding=weight.shape[-1] // 2)\n",
         {"masked-conv2d": "true convolution", "field-autograd": "true convolution", "masked-conv2d-invalid": None}),
        ("autoregressive.py", "_right_field = receptive_field\n\n\ndef receptive_field(mask_types, size=5, pixel=(3, 3)):\n"
                              "    return _right_field([{'A': 'B', 'B': 'A'}.get(t, t) for t in mask_types], size, pixel)\n",
         # AB and BA have the same field at pixel 33, so those two items keep their points.
         {"field-aa": "masks A and B swapped", "field-bb": "masks A and B swapped", "field-hidden": None}),
        ("gan.py", "def generator_loss_nonsaturating(d_fake):\n    _check_probability('d_fake', d_fake)\n"
                   "    return torch.log(d_fake).mean()\n",
         {"generator-loss-nonsaturating": "with a minus", "generator-losses-limits": None}),
        ("gan.py", "def density_from_discriminator(f0, D):\n    _check_density('f0', f0)\n    _check_probability('D', D)\n"
                   "    return f0 * (1 - D) / D\n",
         {"density-from-discriminator": "probability of p0"}),
        ("vae.py", "def iwae_bound(log_w):\n    if log_w.shape[-1] == 0:\n        raise ValueError('no samples')\n"
                   "    return torch.log(torch.exp(log_w).mean(-1))\n",
         {"iwae-stable": None}),
        ("answers.yaml", "q4_1: a\nq3_3: [a, b]\n", {"q4-1": None, "q3-3": None}),
    ],
    "ift6135-h2019": [
        ("divergences.py", "def kl_dual_r1(t_p, t_q):\n    _check_samples(t_p, t_q)\n    return t_p.mean() - torch.exp(t_q).mean()\n",
         {"kl-dual-r1": "not exp(t_q)"}),
        ("divergences.py", "def kl_dual_r2(t_p, t_q):\n    _check_samples(t_p, t_q)\n"
                           "    return t_p.mean() - torch.log(torch.exp(t_q).mean())\n",
         {"kl-dual-r2-stable": "torch.logsumexp(t_q, 0) - log n"}),
        ("gan.py", "_jsd_nats = jsd\n\n\ndef jsd(p, q):\n    return _jsd_nats(p, q) / math.log(2)\n",
         {"jsd": "in bits", "jsd-disjoint": "in bits"}),
        ("vae.py", "def reparameterize(mu, sigma, eps):\n    _check_sigma(sigma)\n    return mu + sigma.sqrt() * eps\n",
         {"reparameterize": "mu + sqrt(sigma) * eps"}),
        ("autoregressive.py", "_right_field = receptive_field\n\n\ndef receptive_field(mask_types, size=5, pixel=(3, 3)):\n"
                              "    return torch.flip(_right_field(mask_types, size, (size + 1 - pixel[0], size + 1 - pixel[1])), (0, 1))\n",
         {**{f"field-{t}": "kernel flipping" for t in ("aa", "ab", "ba", "bb")}, "field-hidden": None}),
    ],
    "csc6137-hw2": [
        ("flows.py", "def flow_elbo(log_p_xzK, log_q0_z0, sum_logdet):\n    return (log_q0_z0 - log_p_xzK - sum_logdet).mean(0)\n",
         {"flow-elbo": "eq. (12) taken literally", "flow-elbo-invalid": None}),
        ("priors.py", "def log_vamp_prior(z, pseudo_inputs, encoder):\n    mu, sigma = encoder(pseudo_inputs)\n"
                      "    return torch.logsumexp(_log_normal_components(z, mu, sigma), -1)\n",
         {"log-vamp-prior": "subtract log K"}),
        ("flows.py", "def planar_forward(z, u, w, b):\n    a = z @ w + b\n"
                     "    return z + torch.tanh(a).unsqueeze(-1) * u, torch.log(torch.abs(1 + u @ w)).expand(a.shape)\n",
         # planar_flow_log_prob in the same file composes the student's planar_forward.
         {"planar-forward": "keep the h' factor", "planar-flow-log-prob": None, "planar-flow-log-prob-hidden": None,
          "planar-forward-invalid": None}),
        ("vae.py", "def gkl(mu, sigma):\n    _check_sigma(sigma)\n    _check_same_shape(mu=mu, sigma=sigma)\n"
                   "    return (-0.5 * sigma + (sigma.exp() + mu**2 - 1) / 2).sum(-1)\n",
         # elbo_kl and beta_vae_loss in the same file call the student's gkl.
         {"gkl": "log sigma^2", "elbo-kl": None, "beta-vae-loss": None}),
    ],
}


def _append(mistakes) -> dict[str, str]:
    code: dict[str, str] = {}
    for module, text, _ in mistakes:
        code[module] = code.get(module, "") + "\n\n" + text
    return code


@pytest.mark.parametrize("assignment", NEW)
def test_reference_scores_full_marks(tmp_path, assignment):
    results = grade(make_submission(tmp_path / "sub"), tmp_path / "r.json", assignment)
    rubric, _ = load(find(assignment))
    failed = [t["name"] + ": " + t["output"][:300] for t in results["tests"] if t["score"] != t["max_score"]]
    assert not failed
    assert results["score"] == rubric.total == sum(t["max_score"] for t in results["tests"])


@pytest.mark.parametrize("assignment", NEW)
def test_template_scores_zero_and_says_what_is_missing(tmp_path, assignment):
    results = grade(make_submission(tmp_path / "sub", base="template"), tmp_path / "r.json", assignment)
    assert results["score"] == 0
    for test in results["tests"]:
        assert test["score"] == 0
        assert "not implemented yet" in test["output"] or "not answered yet" in test["output"], test["name"]


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_each_known_mistake_loses_exactly_its_items_with_its_hint(tmp_path, assignment):
    mistakes = MISTAKES[assignment]
    broken: dict[str, str | None] = {}
    for _, _, items in mistakes:
        assert not set(items) & set(broken), "mistakes graded together must break disjoint items"
        broken.update(items)
    results = grade(make_submission(tmp_path / "sub", append=_append(mistakes)), tmp_path / "r.json", assignment)
    tests = by_id(results, assignment)
    lost = {item for item, t in tests.items() if t["score"] < t["max_score"]}
    assert lost == set(broken)
    rubric, graded = load(find(assignment))
    points = {g.id: g.item.points for g in graded}
    assert results["score"] == pytest.approx(rubric.total - sum(points[i] - tests[i]["score"] for i in broken))
    for item, fragment in broken.items():
        output = tests[item]["output"]
        if fragment is None:
            continue
        assert fragment in output, (item, output)
        assert "**Hint:**" in output
