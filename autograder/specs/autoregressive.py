"""Inputs for autoregressive.py: PixelCNN masks, masked convolutions, receptive fields of stacked layers."""
from __future__ import annotations

from typing import Literal

import torch
from pydantic import Field, field_validator

from autograder.grading import probes
from autograder.grading.feedback import grid
from autograder.specs.base import Call, CaseParams, Check, FunctionSpec, Probe, Output, normal, uniform
from autograder.specs.regimes import Regime, forms, is_none, is_tensor, non_square
from reference import autoregressive

MaskType = Literal["A", "B"]
_CONVENTION = ("Cross-correlation, no kernel flip (F.conv2d), zero padding k//2; the mask is 1 above the centre row "
               "and left of the centre (type B also keeps the centre).")


class Mask(CaseParams):
    mask_type: MaskType = "A"
    kernel_size: int = Field(default=3, ge=1)
    invalid: Literal["unknown_type", "even_size"] | None = None


class Conv(CaseParams):
    mask_type: MaskType = "A"
    batch: int = Field(default=2, ge=1)
    c_in: int = Field(default=2, ge=1)
    c_out: int = Field(default=3, ge=1)
    height: int = Field(default=5, ge=1)
    width: int = Field(default=5, ge=1)
    kernel_size: int = Field(default=3, ge=1)
    bias: bool = True
    invalid: Literal["channel_mismatch", "even_kernel", "unknown_type", "x_not_4d", "bias_shape"] | None = None


def _conv(p: Conv, gen: torch.Generator, k: int | None = None, c_in_weight: int | None = None, mask_type: str | None = None) -> Call:
    k = k or p.kernel_size
    x = normal(gen, p.batch, p.c_in, p.height, p.width)
    weight = normal(gen, p.c_out, c_in_weight or p.c_in, k, k)
    bias = normal(gen, p.c_out) if p.bias else None
    return Call((x, weight, bias, mask_type or p.mask_type))


class FieldCase(CaseParams):
    mask_types: str = Field(default="AB", pattern=r"^[AB]+$", description="One letter per layer, first layer first.")
    size: int = Field(default=5, ge=1)
    pixel: tuple[int, int] = (3, 3)
    as_list: bool = Field(default=False, description="Pass mask_types as a list of letters instead of a string.")
    invalid: Literal["pixel_outside", "unknown_type"] | None = None

    @field_validator("pixel")
    @classmethod
    def _inside(cls, pixel: tuple[int, int], info) -> tuple[int, int]:
        size = info.data.get("size", 5)
        if not all(1 <= v <= size for v in pixel):
            raise ValueError(f"pixel must lie in 1..{size} (1-based)")
        return pixel


def _field(p: FieldCase, gen: torch.Generator) -> Call:
    return Call((list(p.mask_types) if p.as_list else p.mask_types, p.size, p.pixel))


def _field_stack(p: FieldCase, gen: torch.Generator) -> Call:
    return Call((p.mask_types, uniform(gen, 0.5, 1.5, len(p.mask_types), 3, 3), p.size, p.pixel))


_FIELD = Output("field", show=grid)
_MASK_TYPES = forms("mask_type", {"A": lambda v: v == "A", "B": lambda v: v == "B"})
_FIELD_REGIMES = (*forms("mask_types", {"a string": lambda v: isinstance(v, str), "a list": lambda v: isinstance(v, list)}),
                  Regime("one layer", lambda a: len(a["mask_types"]) == 1),
                  Regime("a grid larger than the kernel", lambda a: a["size"] > 3),
                  Regime("the pixel in the top row", lambda a: a["pixel"][0] == 1),
                  Regime("the pixel in the bottom row", lambda a: a["pixel"][0] == a["size"]),
                  Regime("the pixel in the left column", lambda a: a["pixel"][1] == 1),
                  Regime("the pixel in the right column", lambda a: a["pixel"][1] == a["size"]),
                  Regime("the pixel away from every side", lambda a: all(1 < v < a["size"] for v in a["pixel"])))

SPECS = (
    FunctionSpec("autoregressive.pixelcnn_mask", autoregressive.pixelcnn_mask, Mask, lambda p, gen: Call((p.mask_type, p.kernel_size)),
                 {"unknown_type": lambda p, gen: Call(("C", p.kernel_size)), "even_size": lambda p, gen: Call((p.mask_type, 4))},
                 outputs=(Output("mask"),),
                 hint="1-based, centre c = (k + 1)/2: M_ij = 1 if i < c, or i = c and j < c (A) / j <= c (B). Return floats 0./1.",
                 regimes=(*_MASK_TYPES, Regime("kernel_size 1", lambda a: a["kernel_size"] == 1))),
    FunctionSpec("autoregressive.masked_conv2d", autoregressive.masked_conv2d, Conv, _conv,
                 {"channel_mismatch": lambda p, gen: _conv(p, gen, c_in_weight=p.c_in + 1),
                  "even_kernel": lambda p, gen: _conv(p, gen, k=2), "unknown_type": lambda p, gen: _conv(p, gen, mask_type="C"),
                  "x_not_4d": lambda p, gen: (lambda x, w, b, m: Call((x[0], w, b, m)))(*_conv(p, gen).args),
                  "bias_shape": lambda p, gen: (lambda x, w, b, m: Call((x, w, normal(gen, p.c_out + 1), m)))(*_conv(p, gen).args)},
                 hint=_CONVENTION + " Multiply every kernel by the mask before F.conv2d(x, weight * mask, bias, padding=k // 2).",
                 checks={"receptive_field": Check(
                     "receptive field through your masked_conv2d", FieldCase, _field_stack,
                     run=Probe(probes.receptive_field_impulses), outputs=(_FIELD,),
                     hint="The grader stacks your masked_conv2d (positive weights, no bias), feeds it one unit impulse per "
                          "input pixel and reads which of them reach the output pixel. " + _CONVENTION)},
                 regimes=(*_MASK_TYPES, *forms("bias", {"a tensor": is_tensor, "None": is_none}),
                          non_square("x", "height different from width"),
                          Regime("c_out different from c_in", lambda a: a["weight"].shape[0] != a["weight"].shape[1]),
                          Regime("a grid larger than the kernel", lambda a: min(a["x"].shape[-2:]) > a["weight"].shape[-1]))),
    FunctionSpec("autoregressive.receptive_field", autoregressive.receptive_field, FieldCase, _field,
                 {"pixel_outside": lambda p, gen: Call((p.mask_types, p.size, (p.size + 1, 1))),
                  "unknown_type": lambda p, gen: Call(("AC", p.size, p.pixel))},
                 outputs=(_FIELD,),
                 hint="Walk back from the output pixel, last layer first: each layer adds the offsets its mask keeps "
                      "(rows above; the centre row left of the centre, plus the centre for B). Drop positions outside the grid.",
                 regimes=_FIELD_REGIMES),
)
