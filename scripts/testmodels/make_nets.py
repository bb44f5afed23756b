#!/usr/bin/python3
"""Writes small but real torch nets, exported with torch.onnx.export, into core/model/testdata/nets/.

The nets have the shapes of the models bonafide ships (MobileNetV2-style, ResNet-style, Pyramid
Supervision, PatchNet, CDCN) at test-sized widths. Weights are random (seeded by the case name), but
every BatchNorm carries running statistics measured on random images and then perturbed, so that the
exported graphs hold non-trivial folded constants and the activations stay in a realistic range.

    make_nets.py            export every net and write CASE.onnx + CASE.golden.json (inputs only)
    make_nets.py --verify   rebuild the same nets and compare torch's outputs with the goldens that
                            golden.mjs wrote from onnxruntime (the export kept the meaning)

Run through scripts/testmodels/make-all.sh (Debian's /usr/bin/python3 with python3-torch 1.13).
"""

import base64
import io
import json
import os
import sys
import zlib

import numpy as np
import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import Writer, clean_folder  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.normpath(os.path.join(HERE, "..", "..", "core", "model", "testdata", "nets"))

torch.set_num_threads(1)


def seed(name):
    s = zlib.crc32(name.encode())
    torch.manual_seed(s)
    return np.random.default_rng(s)


# ------------------------------------------------------------------------------------------ blocks

def conv_bn(cin, cout, k=3, s=1, groups=1, act="relu"):
    layers = [nn.Conv2d(cin, cout, k, s, k // 2, groups=groups, bias=False), nn.BatchNorm2d(cout)]
    if act == "relu":
        layers.append(nn.ReLU(inplace=True))
    elif act == "relu6":
        layers.append(nn.ReLU6(inplace=True))
    return nn.Sequential(*layers)


class InvertedResidual(nn.Module):
    """MobileNetV2 block: 1x1 expand, 3x3 depthwise, 1x1 linear projection, residual when shapes match."""

    def __init__(self, cin, cout, stride, expand):
        super().__init__()
        hidden = cin * expand
        layers = []
        if expand != 1:
            layers.append(conv_bn(cin, hidden, 1, act="relu6"))
        layers += [conv_bn(hidden, hidden, 3, stride, groups=hidden, act="relu6"), conv_bn(hidden, cout, 1, act=None)]
        self.body = nn.Sequential(*layers)
        self.residual = stride == 1 and cin == cout

    def forward(self, x):
        y = self.body(x)
        return x + y if self.residual else y


class MobileNetV2(nn.Module):
    # (expansion, channels, repeats, stride), a width-reduced MobileNetV2.
    CFG = [(1, 8, 1, 1), (4, 12, 2, 2), (4, 16, 2, 2), (4, 24, 2, 2)]

    def __init__(self, classes=2, view_flatten=False):
        super().__init__()
        layers = [conv_bn(3, 16, 3, 2, act="relu6")]
        cin = 16
        for t, c, n, s in self.CFG:
            for i in range(n):
                layers.append(InvertedResidual(cin, c, s if i == 0 else 1, t))
                cin = c
        layers.append(conv_bn(cin, 64, 1, act="relu6"))
        self.features = nn.Sequential(*layers)
        self.fc = nn.Linear(64, classes)
        self.view_flatten = view_flatten

    def forward(self, x):
        x = F.adaptive_avg_pool2d(self.features(x), 1)
        # x.view(x.size(0), -1) makes torch emit Shape->Gather->Unsqueeze->Concat->Reshape.
        x = x.view(x.size(0), -1) if self.view_flatten else torch.flatten(x, 1)
        return self.fc(x)


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.down = None
        if stride != 1 or cin != cout:
            self.down = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        y = F.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        return F.relu(y + (x if self.down is None else self.down(x)))


class ResNet(nn.Module):
    def __init__(self, widths=(16, 32, 48), blocks=(1, 1, 1), classes=2, out_dim=None):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, widths[0], 7, 2, 3, bias=False), nn.BatchNorm2d(widths[0]), nn.ReLU(inplace=True),
                                  nn.MaxPool2d(3, 2, 1))
        layers = []
        cin = widths[0]
        for i, (w, n) in enumerate(zip(widths, blocks)):
            for j in range(n):
                layers.append(BasicBlock(cin, w, 2 if (i > 0 and j == 0) else 1))
                cin = w
        self.layers = nn.Sequential(*layers)
        self.fc = nn.Linear(cin, out_dim or classes)

    def features(self, x):
        return torch.flatten(F.adaptive_avg_pool2d(self.layers(self.stem(x)), 1), 1)

    def forward(self, x):
        return self.fc(self.features(x))


class PyramidNet(nn.Module):
    """Pyramid Supervision (Yu et al. 2020): a MobileNetV2-style backbone, a 1x1 conv + sigmoid live map
    at 8x8 pooled to 4x4, 2x2 and 1x1, and a binary head over the pooled features and the map."""

    def __init__(self):
        super().__init__()
        cfg = [(1, 8, 1, 1), (4, 12, 2, 2), (4, 16, 2, 2), (4, 24, 2, 2)]
        layers = [conv_bn(3, 16, 3, 2, act="relu6")]
        cin = 16
        for t, c, n, s in cfg:
            for i in range(n):
                layers.append(InvertedResidual(cin, c, s if i == 0 else 1, t))
                cin = c
        self.backbone = nn.Sequential(*layers)  # 128 -> 8
        self.map_head = nn.Conv2d(cin, 1, 1)
        self.pool4 = nn.AdaptiveAvgPool2d(4)
        self.pool2 = nn.AdaptiveAvgPool2d(2)
        self.pool1 = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(cin + 64, 1)

    def forward(self, x):
        f = self.backbone(x)
        map8 = torch.sigmoid(self.map_head(f))
        map4 = self.pool4(map8)
        map2 = self.pool2(map8)
        map1 = self.pool1(map8)
        z = torch.cat([torch.flatten(self.pool1(f), 1), torch.flatten(map8, 1)], dim=1)
        score = torch.sigmoid(self.fc(z))
        return score, map8, map4, map2, map1


class PatchNet(nn.Module):
    """PatchNet (Wang et al. 2022) patch encoder: a slim ResNet18 ([2,2,2,2] BasicBlocks), a BatchNorm1d
    embedding, L2 normalisation and a cosine classifier over patch types (scale s)."""

    def __init__(self, classes=8, dim=32, s=30.0):
        super().__init__()
        self.encoder = ResNet(widths=(8, 16, 32, 64), blocks=(2, 2, 2, 2), out_dim=dim)
        self.bn = nn.BatchNorm1d(dim)
        self.weight = nn.Parameter(torch.randn(classes, dim))
        self.s = s

    def forward(self, x):
        e = self.bn(self.encoder(x))
        # x / ||x|| written with Pow/ReduceMean/Sqrt so that the export needs no ReduceL2 or Expand
        # (F.normalize exports as ReduceL2 -> Clip -> Expand -> Div).
        e = e / torch.sqrt(e.pow(2).mean(dim=1, keepdim=True) * e.shape[1] + 1e-12)
        # The class weights are normalised once, here in Python: torch's constant folding leaves
        # weight.norm() in the graph as Pow/ReduceSum/Sqrt/Div on an initializer.
        if self.training:
            w_t = (self.weight / self.weight.norm(dim=1, keepdim=True)).t()
        else:
            w_t = self.weight_hat_t
        return e, self.s * torch.matmul(e, w_t)

    def train(self, mode=True):
        super().train(mode)
        if not mode:
            with torch.no_grad():
                self.register_buffer("weight_hat_t", (self.weight / self.weight.norm(dim=1, keepdim=True)).t().contiguous())
        return self


class CDC(nn.Module):
    """Central-difference conv (Yu et al., CDCN): y = conv(x, W) - theta * conv(x, sum_hw(W))."""

    def __init__(self, cin, cout, theta=0.7):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, 3, 1, 1, bias=False)
        self.theta = theta

    def forward(self, x):
        kdiff = self.conv.weight.sum(dim=(2, 3), keepdim=True)
        return self.conv(x) - self.theta * F.conv2d(x, kdiff)

    def folded(self):
        """The same map as one plain 3x3 Conv: the 1x1 term moves into the centre tap,
        W' = W with W'[:, :, 1, 1] = W[:, :, 1, 1] - theta * sum_hw(W)."""
        conv = nn.Conv2d(self.conv.in_channels, self.conv.out_channels, 3, 1, 1, bias=False)
        w = self.conv.weight.detach().clone()
        w[:, :, 1, 1] -= self.theta * self.conv.weight.detach().sum(dim=(2, 3))
        conv.weight.data.copy_(w)
        return conv


class CDCN(nn.Module):
    """CDCN-style depth regressor: three CDC blocks, features of every block resized to 16x16 and
    concatenated, CDC layers down to a 1-channel depth map."""

    def __init__(self, c=16):
        super().__init__()

        def cbr(cin, cout):
            return nn.Sequential(CDC(cin, cout), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))

        self.stem = cbr(3, c)
        self.block1 = nn.Sequential(cbr(c, c), nn.MaxPool2d(3, 2, 1))  # 32
        self.block2 = nn.Sequential(cbr(c, c), nn.MaxPool2d(3, 2, 1))  # 16
        self.block3 = nn.Sequential(cbr(c, c), nn.MaxPool2d(3, 2, 1))  # 8
        self.last = nn.Sequential(cbr(3 * c, c), CDC(c, 1), nn.ReLU(inplace=True))

    def forward(self, x):
        x = self.stem(x)
        b1 = self.block1(x)
        b2 = self.block2(b1)
        b3 = self.block3(b2)
        size = b2.shape[2:]
        cat = torch.cat([F.interpolate(b1, size=size, mode="bilinear", align_corners=False), b2,
                         F.interpolate(b3, size=size, mode="bilinear", align_corners=False)], dim=1)
        return self.last(cat).squeeze(1)

    def fold(self):
        """Replaces every CDC module by its folded plain Conv, in place."""
        for mod in list(self.modules()):
            for name, child in list(mod.named_children()):
                if isinstance(child, CDC):
                    setattr(mod, name, child.folded())
        return self


# -------------------------------------------------------------------------------------- weights

def calibrate(model, rng, shape, steps=4):
    """Measures BatchNorm running statistics on random images (cumulative average), then perturbs the
    affine parameters: the exported constants look trained, and the activations stay finite and varied."""
    for m in model.modules():
        if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
            m.reset_running_stats()
            m.momentum = None
    model.train()
    with torch.no_grad():
        for _ in range(steps):
            model(torch.from_numpy(image(rng, shape)))
        for m in model.modules():
            if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
                n = m.num_features
                m.weight.copy_(torch.from_numpy(rng.uniform(0.6, 1.4, n).astype(np.float32)))
                m.bias.copy_(torch.from_numpy(rng.normal(0.0, 0.2, n).astype(np.float32)))
                m.running_mean.add_(torch.from_numpy(rng.normal(0.0, 0.05, n).astype(np.float32)))
                m.running_var.mul_(torch.from_numpy(rng.uniform(0.8, 1.25, n).astype(np.float32)))
    return model.eval()


def image(rng, shape):
    """A random image batch normalised as the real front end does (mean 0.5, std 0.5 per channel),
    smooth enough to look like a picture: low-resolution noise upsampled, plus fine noise."""
    n, c, h, w = shape
    coarse = rng.uniform(0, 1, (n, c, max(h // 8, 1), max(w // 8, 1))).astype(np.float32)
    img = F.interpolate(torch.from_numpy(coarse), size=(h, w), mode="bilinear", align_corners=False).numpy()
    img = np.clip(img + rng.normal(0, 0.05, img.shape), 0, 1).astype(np.float32)
    return (img - 0.5) / 0.5


# ---------------------------------------------------------------------------------------- cases

NET_TOL = (1e-4, 1e-4)


def cases():
    """Yields (name, build, input shape, export kwargs, description); build(rng) -> eval model."""

    def mobilenet(rng, view=False):
        return calibrate(MobileNetV2(view_flatten=view), rng, (4, 3, 64, 64))

    yield ("mobilenetv2_64", lambda r: mobilenet(r), (1, 3, 64, 64), dict(opset_version=13, output_names=["logits"]),
           "MobileNetV2-style: inverted residuals, depthwise 3x3, ReLU6 (Clip), residual Add, GAP, Linear; 64x64")
    yield ("mobilenetv2_64_dynbatch", lambda r: mobilenet(r, view=True), (2, 3, 64, 64),
           dict(opset_version=13, output_names=["logits"], dynamic_axes={"input": {0: "N"}, "logits": {0: "N"}}),
           "MobileNetV2-style with x.view(x.size(0), -1), exported with a dynamic batch dim N; golden at batch 2")
    yield ("resnet_64", lambda r: calibrate(ResNet(), r, (4, 3, 64, 64)), (1, 3, 64, 64),
           dict(opset_version=13, output_names=["logits"]),
           "ResNet-style: 7x7/2 stem, MaxPool, BasicBlocks with residual Add and 1x1/2 shortcut convs, GAP, Linear; 64x64")
    yield ("resnet_64_opset17", lambda r: calibrate(ResNet(), r, (4, 3, 64, 64)), (1, 3, 64, 64),
           dict(opset_version=17, output_names=["logits"]), "The ResNet-style net exported at opset 17")
    yield ("pyramid_128", lambda r: calibrate(PyramidNet(), r, (4, 3, 128, 128)), (1, 3, 128, 128),
           dict(opset_version=13, output_names=["score", "map8", "map4", "map2", "map1"]),
           "Pyramid Supervision: MobileNetV2-style backbone to 8x8, 1x1 conv + sigmoid live map at 8x8 pooled "
           "(AdaptiveAvgPool) to 4x4, 2x2, 1x1; binary head flatten/concat/Linear/sigmoid; 128x128")
    yield ("patchnet_64", lambda r: calibrate(PatchNet(), r, (8, 3, 64, 64)), (1, 3, 64, 64),
           dict(opset_version=13, output_names=["embedding", "logits"]),
           "PatchNet-style slim ResNet18 patch encoder, BatchNorm1d, L2-normalised 32-d embedding, cosine classifier "
           "over 8 patch types (s=30); 64x64")
    yield ("cdcn_64", lambda r: cdcn(r), (1, 3, 64, 64), dict(opset_version=13, output_names=["depth"]),
           "CDCN-style depth net; central-difference convs (theta 0.7) folded into plain 3x3 Convs by the script; "
           "bilinear Resize to 16x16, Concat; 64x64 in, 16x16 depth out")
    yield ("cdcn_64_opset11_inits_as_inputs", lambda r: cdcn(r), (1, 3, 64, 64),
           dict(opset_version=11, output_names=["depth"], keep_initializers_as_inputs=True),
           "The CDCN-style net exported at opset 11 with keep_initializers_as_inputs=True (weights are also graph inputs)")


def cdcn(rng):
    model = calibrate(CDCN(), rng, (4, 3, 64, 64))
    x = torch.from_numpy(image(rng, (2, 3, 64, 64)))
    with torch.no_grad():
        want = model(x)
        model.fold()
        got = model(x)
    err = (got - want).abs().max().item()
    if err > 1e-4 * max(1.0, want.abs().max().item()):
        raise SystemExit(f"make_nets.py: folding the central-difference convs changed the output by {err}")
    return model


def build(name, make, shape):
    rng = seed(name)
    model = make(rng)
    x = image(rng, shape)
    return model, x


def export(model, x, kw):
    buf = io.BytesIO()
    kw = dict(kw)
    with torch.no_grad():
        torch.onnx.export(model, torch.from_numpy(x), buf, input_names=["input"], do_constant_folding=True,
                          training=torch.onnx.TrainingMode.EVAL, **kw)
    m = onnx.load_from_string(buf.getvalue())
    onnx.checker.check_model(m)
    m.producer_name = "bonafide make_nets.py (torch " + torch.__version__ + ")"
    return m


def decode(entry):
    dt = {"float32": np.float32, "int64": np.int64}[entry["dtype"]]
    return np.frombuffer(base64.b64decode(entry["data"]), dtype=dt).reshape(entry["shape"])


def verify():
    """torch's outputs against onnxruntime's goldens: the export kept the meaning. torch and ORT sum in
    different orders, so this uses 10x the golden tolerance."""
    bad = 0
    for name, make, shape, kw, desc in cases():
        tol = NET_TOL
        model, x = build(name, make, shape)
        with torch.no_grad():
            outs = model(torch.from_numpy(x))
        outs = outs if isinstance(outs, tuple) else (outs,)
        g = json.load(open(os.path.join(OUT, name + ".golden.json")))
        if not np.array_equal(decode(g["inputs"][0]), x):
            print(f"make_nets.py --verify: {name}: golden input differs from the rebuilt one")
            bad += 1
            continue
        for o, entry in zip(outs, g["outputs"]):
            want = decode(entry)
            got = o.numpy().reshape(want.shape)
            err = np.abs(got - want)
            lim = np.maximum(10 * tol[0], 10 * tol[1] * np.abs(want))
            status = "ok" if (err <= lim).all() else "MISMATCH"
            bad += status != "ok"
            print(f"{name}.{entry['name']}: shape {list(want.shape)} range [{want.min():.4g}, {want.max():.4g}] "
                  f"max |torch-ort| {err.max():.3g} {status}")
    if bad:
        raise SystemExit(f"make_nets.py --verify: {bad} mismatches")


def main():
    if sys.argv[1:] == ["--verify"]:
        verify()
        return
    if sys.argv[1:]:
        raise SystemExit("usage: make_nets.py [--verify]")
    clean_folder(OUT)
    w = Writer(OUT)
    for name, make, shape, kw, desc in cases():
        tol = NET_TOL
        model, x = build(name, make, shape)
        m = export(model, x, kw)
        w.model(name, m, [("input", x)], desc, tol)
        print(f"make_nets.py: {name}: {sum(p.numel() for p in model.parameters())} parameters, "
              f"{os.path.getsize(os.path.join(OUT, name + '.onnx'))} bytes")


if __name__ == "__main__":
    main()
