"""Weight quantization-aware fine-tuning for `bonafide quantize` (internal/quant): per output channel,
symmetric, scale = max|w| / 127, round half to even, for every Conv/Gemm/MatMul weight of at least
64 elements (its DefaultMinElements).

During the QAT phase each such weight is replaced in the forward pass by its int8-grid version
(straight-through gradient), BatchNorm statistics are frozen, and the net learns to work with the
weights it will be shipped with. finalize() then writes the grid values into the weights, so the
exported float file already holds int8-representable weights and `bonafide quantize` reproduces them
(BatchNorm folding multiplies each output channel by one factor, which the per-channel scale absorbs:
the integers are the same). The float and int8 files then differ only by float rounding; what
quantization cost is the difference between the model before and after the QAT phase, which the
training history reports.
"""

import torch
import torch.nn as nn
import torch.nn.utils.parametrize as parametrize

import nets

MIN_ELEMENTS = 64  # internal/quant.DefaultMinElements


def grid(w, axis=0):
    """w on the symmetric per-channel int8 grid of internal/quant (no gradient trick)."""
    dims = [d for d in range(w.dim()) if d != axis]
    m = w.detach().abs().amax(dim=dims, keepdim=True) if dims else w.detach().abs()
    s = (m / 127).clamp(min=1e-30)
    s = torch.where(m == 0, torch.ones_like(s), s)
    return torch.clamp(torch.round(w / s), -127, 127) * s


class FakeQuant(nn.Module):
    def forward(self, w):
        return w + (grid(w) - w).detach()


def quantizable(m):
    return isinstance(m, (nn.Conv2d, nn.Linear)) and m.weight.numel() >= MIN_ELEMENTS


def enable(model):
    for m in model.modules():
        if quantizable(m) and not parametrize.is_parametrized(m, "weight"):
            parametrize.register_parametrization(m, "weight", FakeQuant())
        if isinstance(m, nets.CosineClassifier) and m.w.numel() >= MIN_ELEMENTS:
            m.qat = True


def freeze_bn(model):
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.eval()


def finalize(model):
    """Write the grid values into the weights and drop the parametrizations."""
    for m in model.modules():
        if parametrize.is_parametrized(m, "weight"):
            parametrize.remove_parametrizations(m, "weight", leave_parametrized=True)
        if isinstance(m, nets.CosineClassifier) and getattr(m, "qat", False):
            m.freeze()
    return model
