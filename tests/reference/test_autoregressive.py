"""autoregressive.py reference: masks by the 1-based definition, fields by autograd against enumeration."""
import pytest
import torch
import torch.nn.functional as F

from reference import autoregressive as ar

torch.set_default_dtype(torch.float64)

# Catalogue section 10, derived by hand: output pixel 33 on a 5x5 grid.
HAND = {
    "AA": "11 12 13 14 15 21 22 23 31",
    "AB": "11 12 13 14 15 21 22 23 24 31 32",
    "BA": "11 12 13 14 15 21 22 23 24 31 32",
    "BB": "11 12 13 14 15 21 22 23 24 31 32 33",
}


def field_names(field: torch.Tensor) -> str:
    return " ".join(f"{r + 1}{c + 1}" for r, c in field.nonzero().tolist())


def field_by_autograd(mask_types: str, size: int, pixel: tuple[int, int], seed: int) -> torch.Tensor:
    """Non-zero input gradients of the output pixel through linear masked layers with positive weights."""
    gen = torch.Generator().manual_seed(seed)
    x = torch.zeros(1, 1, size, size, requires_grad=True)
    h = x
    for t in mask_types:
        h = ar.masked_conv2d(h, torch.rand(1, 1, 3, 3, generator=gen) + 0.1, None, t)
    h[0, 0, pixel[0] - 1, pixel[1] - 1].backward()
    return x.grad[0, 0] != 0


def test_masks_follow_the_one_based_definition():
    for k in (1, 3, 5, 7):
        c = (k + 1) // 2
        for t in "AB":
            expected = torch.tensor([[1.0 if i < c or (i == c and (j < c or (t == "B" and j == c))) else 0.0
                                      for j in range(1, k + 1)] for i in range(1, k + 1)])
            assert torch.equal(ar.pixelcnn_mask(t, k), expected), (t, k)
    assert ar.pixelcnn_mask("A").tolist() == [[1, 1, 1], [1, 0, 0], [0, 0, 0]]
    assert ar.pixelcnn_mask("B").tolist() == [[1, 1, 1], [1, 1, 0], [0, 0, 0]]


@pytest.mark.parametrize("bad", [("C", 3), ("A", 4), ("A", 0), ("B", -1)])
def test_mask_rejects_unknown_types_and_even_sizes(bad):
    with pytest.raises(ValueError):
        ar.pixelcnn_mask(*bad)


def test_masked_conv2d_matches_an_explicit_cross_correlation_loop():
    gen = torch.Generator().manual_seed(0)
    x, w, b = torch.randn(2, 3, 5, 6, generator=gen), torch.randn(4, 3, 3, 3, generator=gen), torch.randn(4, generator=gen)
    got = ar.masked_conv2d(x, w, b, "A")
    xp = F.pad(x, (1, 1, 1, 1))
    mask = ar.pixelcnn_mask("A")
    loop = torch.zeros(2, 4, 5, 6)
    for r in range(5):
        for c in range(6):
            patch = xp[:, :, r:r + 3, c:c + 3]                       # no flip: weight[i, j] meets x[r + i - 1, c + j - 1]
            loop[:, :, r, c] = torch.einsum("nihw,oihw->no", patch, w * mask) + b
    torch.testing.assert_close(got, loop, rtol=1e-12, atol=1e-12)


def test_masked_conv2d_rejects_bad_shapes():
    x = torch.zeros(1, 2, 5, 5)
    for w, b in ((torch.zeros(1, 3, 3, 3), None), (torch.zeros(1, 2, 2, 2), None), (torch.zeros(1, 2, 3, 3), torch.zeros(2))):
        with pytest.raises(ValueError):
            ar.masked_conv2d(x, w, b, "A")


@pytest.mark.parametrize("types", list(HAND))
def test_fields_at_pixel_33_agree_by_hand_autograd_and_enumeration(types):
    field = ar.receptive_field(types)
    assert field.dtype == torch.bool and field.shape == (5, 5)
    assert field_names(field) == HAND[types]
    for seed in range(4):
        assert torch.equal(field_by_autograd(types, 5, (3, 3), seed), field)
    assert torch.equal(ar.receptive_field(list(types)), field)       # a sequence of letters works too


@pytest.mark.parametrize("types,size,pixel", [("A", 5, (1, 1)), ("B", 4, (4, 4)), ("ABB", 7, (5, 2)), ("BAAB", 6, (6, 6)),
                                              ("AB", 5, (1, 5)), ("B", 1, (1, 1))])
def test_fields_elsewhere_agree_with_autograd(types, size, pixel):
    assert torch.equal(ar.receptive_field(types, size, pixel), field_by_autograd(types, size, pixel, 1))


def test_blind_spot_and_autoregressive_property():
    for types in HAND:
        assert not ar.receptive_field(types)[1, 4]                    # pixel 25: the PixelCNN blind spot
        assert ar.receptive_field(types)[2, 2] == (types == "BB")    # only BB sees its own pixel


@pytest.mark.parametrize("args", [("AC",), ("",), ("AB", 5, (0, 3)), ("AB", 5, (3, 6)), ("AB", 0)])
def test_field_rejects_bad_layers_and_pixels_outside_the_grid(args):
    with pytest.raises(ValueError):
        ar.receptive_field(*args)
