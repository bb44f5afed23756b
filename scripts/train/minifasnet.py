"""MiniFASNet (Silent-Face-Anti-Spoofing, Minivision, Apache-2.0) written for bonafide: a definition
that loads the project's published weights exactly (../shared/models/silentface/*.pth), an ONNX
export of either variant, and the backbone our pyramid model fine-tunes.

The network, as the state dicts describe it (every layer below is named as in their keys):

  conv1        3x3/2 conv, BN, PReLU                          32 channels
  conv2_dw     3x3 depthwise, BN, PReLU                       32
  conv_23      bottleneck, stride 2                           32 -> 64      (hidden 103)
  conv_3       4 residual bottlenecks                         64
  conv_34      bottleneck, stride 2                           64 -> 128     (hidden 231)
  conv_4       6 residual bottlenecks                         128
  conv_45      bottleneck, stride 2                           128 -> 128    (hidden 308)
  conv_5       2 residual bottlenecks                         128
  conv_6_sep   1x1 conv, BN, PReLU                            512
  conv_6_dw    kxk depthwise over the whole map (k = input/16), BN, no activation
  linear       512 -> 128 (no bias), bn (BatchNorm1d), prob 128 -> 3 (no bias): class logits

A bottleneck is 1x1 conv+BN+PReLU (conv), 3x3 depthwise+BN+PReLU (conv_dw), 1x1 conv+BN (project),
plus the input when residual. V1SE puts a squeeze-excitation (global average, 1x1 conv to C/4, BN,
ReLU, 1x1 conv back, BN, sigmoid; it scales the project output before the residual add) on the last
block of conv_3, conv_4 and conv_5. The two variants differ only in the hidden widths of the
residual blocks. Input: 80x80 BGR, raw 0..255 pixels; class 1 is live (0 and 2 are attack types).

    /usr/bin/python3 scripts/train/minifasnet.py export v2 OUT.onnx
    /usr/bin/python3 scripts/train/minifasnet.py export v1se OUT.onnx
    /usr/bin/python3 scripts/train/minifasnet.py check      # weights load exactly; parity with the
                                                           # shared ONNX file in onnxruntime-node
"""

import argparse
import os
import subprocess
import sys
import tempfile

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
SHARED = os.environ.get("BONAFIDE_SHARED", os.path.abspath(os.path.join(REPO, "..", "shared")))
WEIGHTS = {
    "v2": os.path.join(SHARED, "models", "silentface", "2.7_80x80_MiniFASNetV2.pth"),
    "v1se": os.path.join(SHARED, "models", "silentface", "4_0_0_80x80_MiniFASNetV1SE.pth"),
}
# The crop each published weight file was trained on (its file name says the box scale).
CROP_SCALE = {"v2": 2.7, "v1se": 4.0}

# Hidden widths of the residual blocks of conv_3, conv_4 and conv_5, per variant (read off the
# state dicts' conv weights); the stride-2 transitions are the same in both.
HIDDEN = {
    "v2": ((13, 13, 13, 13), (231, 52, 26, 77, 26, 26), (26, 26)),
    "v1se": ((13, 26, 13, 52), (154, 52, 26, 52, 26, 26), (26, 26)),
}
SE = {"v2": False, "v1se": True}


class ConvBNAct(nn.Module):
    """Conv (no bias) + BatchNorm (+ PReLU when act). Keys: conv, bn, prelu."""

    def __init__(self, cin, cout, k=1, stride=1, groups=1, act=True):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, k, stride, k // 2, groups=groups, bias=False)
        self.bn = nn.BatchNorm2d(cout)
        self.prelu = nn.PReLU(cout) if act else None

    def forward(self, x):
        x = self.bn(self.conv(x))
        return self.prelu(x) if self.prelu is not None else x


class SqueezeExcite(nn.Module):
    """Keys: fc1, bn1, fc2, bn2 (1x1 convs without bias, each followed by BatchNorm)."""

    def __init__(self, c, reduction=4):
        super().__init__()
        self.fc1 = nn.Conv2d(c, c // reduction, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(c // reduction)
        self.fc2 = nn.Conv2d(c // reduction, c, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(c)

    def forward(self, x):
        s = x.mean((2, 3), keepdim=True)
        s = torch.sigmoid(self.bn2(self.fc2(F.relu(self.bn1(self.fc1(s))))))
        return x * s


class Bottleneck(nn.Module):
    """Keys: conv (1x1 expand), conv_dw (3x3 depthwise), project (1x1, linear), se_module."""

    def __init__(self, cin, hidden, cout, stride=1, residual=False, se=False):
        super().__init__()
        self.conv = ConvBNAct(cin, hidden, 1)
        self.conv_dw = ConvBNAct(hidden, hidden, 3, stride, groups=hidden)
        self.project = ConvBNAct(hidden, cout, 1, act=False)
        self.residual = residual
        self.se_module = SqueezeExcite(cout) if se else None

    def forward(self, x):
        y = self.project(self.conv_dw(self.conv(x)))
        if not self.residual:
            return y
        if self.se_module is not None:
            y = self.se_module(y)
        return x + y


class Stage(nn.Module):
    """Residual blocks at constant width; SE (when se) on the last one. Keys: model.<i>."""

    def __init__(self, c, hidden, se):
        super().__init__()
        self.model = nn.Sequential(*[Bottleneck(c, h, c, residual=True, se=se and i == len(hidden) - 1)
                                     for i, h in enumerate(hidden)])

    def forward(self, x):
        return self.model(x)


class MiniFASNet(nn.Module):
    """The whole classifier. features() is the convolutional trunk up to conv_6_sep (a [N,512,H/16,W/16]
    map, any input size divisible by 16); forward() adds the published head (conv_6_dw over the whole
    map, linear, bn, prob) and needs the input size the head was built for."""

    def __init__(self, variant="v2", size=80, classes=3):
        super().__init__()
        if variant not in HIDDEN:
            raise ValueError(f"unknown MiniFASNet variant {variant!r} (want {sorted(HIDDEN)})")
        if size % 16:
            raise ValueError(f"input size {size} is not a multiple of 16")
        h3, h4, h5 = HIDDEN[variant]
        se = SE[variant]
        self.variant, self.size = variant, size
        self.conv1 = ConvBNAct(3, 32, 3, 2)
        self.conv2_dw = ConvBNAct(32, 32, 3, 1, groups=32)
        self.conv_23 = Bottleneck(32, 103, 64, stride=2)
        self.conv_3 = Stage(64, h3, se)
        self.conv_34 = Bottleneck(64, 231, 128, stride=2)
        self.conv_4 = Stage(128, h4, se)
        self.conv_45 = Bottleneck(128, 308, 128, stride=2)
        self.conv_5 = Stage(128, h5, se)
        self.conv_6_sep = ConvBNAct(128, 512, 1)
        k = size // 16
        self.conv_6_dw = ConvBNAct(512, 512, k, groups=512, act=False)
        self.conv_6_dw.conv.padding = (0, 0)
        self.linear = nn.Linear(512, 128, bias=False)
        self.bn = nn.BatchNorm1d(128)
        self.prob = nn.Linear(128, classes, bias=False)

    # The trunk in named stages, so that a fine-tuning run can freeze (and cache) a prefix of it.
    STAGES = ("conv1", "conv2_dw", "conv_23", "conv_3", "conv_34", "conv_4", "conv_45", "conv_5", "conv_6_sep")

    def features(self, x, start=0, stop=None):
        for name in self.STAGES[start:stop]:
            x = getattr(self, name)(x)
        return x

    def forward(self, x):
        f = self.conv_6_dw(self.features(x)).flatten(1)
        return self.prob(self.bn(self.linear(f)))


class PyramidTop(nn.Module):
    """What PS-B trains on top of the frozen trunk: conv_5 and conv_6_sep (started from the published
    weights) and the pyramid binary-mask head (Yu et al. 2020): per scale (8x8, 4x4, 2x2, 1x1: average
    pools of the 8x8 map) a 1x1 conv to one mask logit per cell, and a linear binary head over all 85
    mask logits. Input: the trunk's [N,128,8,8] map (conv_45's output for a 128x128 crop)."""

    SCALES = (8, 4, 2, 1)

    def __init__(self, variant="v2"):
        super().__init__()
        h5 = HIDDEN[variant][2]
        self.conv_5 = Stage(128, h5, SE[variant])
        self.conv_6_sep = ConvBNAct(128, 512, 1)
        self.mask = nn.ModuleList([nn.Conv2d(512, 1, 1) for _ in self.SCALES])
        self.binary = nn.Linear(sum(s * s for s in self.SCALES), 1)

    def load_pretrained(self, state):
        own = {k: v for k, v in state.items() if k.split(".")[0] in ("conv_5", "conv_6_sep")}
        missing, unexpected = self.load_state_dict(own, strict=False)
        if unexpected or any(k.split(".")[0] in ("conv_5", "conv_6_sep") for k in missing):
            raise RuntimeError(f"pretrained top: missing {missing}, unexpected {unexpected}")

    def forward(self, f):
        f = self.conv_6_sep(self.conv_5(f))
        logits = []
        for conv, s in zip(self.mask, self.SCALES):
            k = int(f.shape[-1]) // s
            logits.append(conv(f if k == 1 else F.avg_pool2d(f, k)))
        flat = torch.cat([m.flatten(1) for m in logits], 1)
        return logits, self.binary(flat)


class PyramidNet(nn.Module):
    """The exported PS-B: trunk conv1..conv_45 + PyramidTop, live probabilities out: score [1,1] and
    map8, map4, map2 (the 1x1 level is trained but not exported: the score summarises it)."""

    TRUNK = ("conv1", "conv2_dw", "conv_23", "conv_3", "conv_34", "conv_4", "conv_45")

    def __init__(self, trunk, top):
        super().__init__()
        self.trunk = nn.Sequential(*[getattr(trunk, n) for n in self.TRUNK])
        self.top = top

    def forward(self, x):
        logits, b = self.top(self.trunk(x))
        return (torch.sigmoid(b), *[torch.sigmoid(m) for m in logits[:3]])


def load_state(path):
    """The published state dict with DataParallel's 'module.' prefix removed."""
    sd = torch.load(path, map_location="cpu")
    return {k[len("module."):] if k.startswith("module.") else k: v for k, v in sd.items()}


def pretrained(variant, size=80):
    """MiniFASNet with the published weights, in eval mode. Loading is strict: every key of the file
    must name a parameter or buffer of the definition with the same shape, and none may be left over."""
    net = MiniFASNet(variant, size)
    state = load_state(WEIGHTS[variant])
    if size != 80:
        # conv_6_dw's kernel spans the whole map; at another size it cannot be reused.
        state = {k: v for k, v in state.items() if not k.startswith("conv_6_dw.conv")}
        missing, unexpected = net.load_state_dict(state, strict=False)
        if unexpected or any(not k.startswith("conv_6_dw.conv") for k in missing):
            raise RuntimeError(f"{WEIGHTS[variant]}: missing {missing}, unexpected {unexpected}")
    else:
        net.load_state_dict(state, strict=True)
    return net.eval()


def export(variant, out, size=80, opset=13):
    """Writes the published classifier as ONNX: input 'input' [1,3,size,size] BGR raw 0..255, output
    'output' [1,3] class logits (softmax, class 1 = live), opset 13 (what internal/graph reads).
    BatchNorm is folded into the convolutions by the exporter; the BatchNorm1d after 'linear' stays a
    BatchNormalization node, as in the published file."""
    import onnx
    net = pretrained(variant, size)
    x = torch.zeros(1, 3, size, size)
    torch.onnx.export(net, x, out, opset_version=opset, input_names=["input"],
                      output_names=["output"], do_constant_folding=True)
    m = onnx.load(out)
    onnx.checker.check_model(m, full_check=True)
    m.producer_name = "bonafide scripts/train/minifasnet.py (pytorch " + torch.__version__ + ")"
    del m.metadata_props[:]
    for k, v in {
        "bonafide.source": f"Silent-Face-Anti-Spoofing (Minivision, Apache-2.0) MiniFASNet{variant.upper()} "
                           f"weights {os.path.basename(WEIGHTS[variant])}, exported by scripts/train/minifasnet.py",
        "bonafide.input_note": f"BGR raw 0..255, crop = face box x{CROP_SCALE[variant]} about its centre "
                               "(not squared), shifted to stay inside the image; output: 3 logits, softmax, class 1 = live",
    }.items():
        e = m.metadata_props.add()
        e.key, e.value = k, v
    onnx.save(m, out)
    return out


def ort_run(path, x, engine=None):
    """The (single) output of the ONNX file for each sample of x [N,3,H,W]: in onnxruntime-node, or in
    bonafide's engine when engine names the enginerun binary."""
    with tempfile.TemporaryDirectory() as d:
        xi, yo = os.path.join(d, "x.f32"), os.path.join(d, "y.f32")
        np.ascontiguousarray(x, "<f4").tofile(xi)
        if engine:
            cmd = [engine, "-model", os.path.abspath(path), "-in", xi, "-n", str(len(x)), "-out", yo]
        else:
            cmd = ["node", os.path.join(HERE, "ort_batch.mjs"), os.path.abspath(path), xi, str(len(x)), yo]
        res = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO)
        if res.returncode:
            raise SystemExit(f"{'engine' if engine else 'onnxruntime'} run of {path} failed: {res.stderr.strip()}")
        return np.fromfile(yo, "<f4").reshape(len(x), -1)


def build_engine(d):
    """enginerun (scripts/train/enginerun): $BONAFIDE_ENGINERUN, or built into d."""
    if os.environ.get("BONAFIDE_ENGINERUN"):
        return os.environ["BONAFIDE_ENGINERUN"]
    out = os.path.join(d, "enginerun")
    subprocess.run(["go", "build", "-o", out, "./scripts/train/enginerun"], cwd=REPO, check=True,
                   env=dict(os.environ, GOTOOLCHAIN="auto"))
    return out


def sample_inputs(n=16, size=80, seed=0):
    """Test inputs in the model's domain (0..255): random pixels, smooth gradients and, when
    ../shared is there, NUAA frames resized to size x size (BGR)."""
    rng = np.random.default_rng(seed)
    xs = [rng.uniform(0, 255, (3, size, size))]
    g = np.linspace(0, 255, size)
    xs.append(np.stack([np.add.outer(g, g) / 2, np.add.outer(g, 255 - g) / 2, np.outer(g, g) / 255]))
    nuaa = os.path.join(SHARED, "data", "nuaa-train")
    if os.path.isdir(nuaa):
        from PIL import Image
        files = []
        for root, _, names in os.walk(nuaa):
            files += [os.path.join(root, f) for f in names if f.endswith(".jpg")]
        files.sort()
        for f in [files[i] for i in rng.choice(len(files), n - len(xs), replace=False)]:
            im = np.asarray(Image.open(f).convert("RGB").resize((size, size), Image.BILINEAR), np.float32)
            xs.append(im[:, :, ::-1].transpose(2, 0, 1))
    while len(xs) < n:
        xs.append(rng.uniform(0, 255, (3, size, size)))
    return np.stack(xs).astype(np.float32)


def check():
    """Both weight files load strictly; V2's export matches the published ONNX file in onnxruntime;
    each export matches the PyTorch definition in onnxruntime and in bonafide's engine. Prints the
    largest differences."""
    torch.set_num_threads(1)
    x = sample_inputs()
    ok = True
    with tempfile.TemporaryDirectory() as d:
        engine = build_engine(d)
        for v in ("v2", "v1se"):
            net = pretrained(v)
            with torch.no_grad():
                ref = net(torch.from_numpy(x)).numpy()
            path = export(v, os.path.join(d, f"{v}.onnx"))
            got = ort_run(path, x)
            err = float(np.abs(got - ref).max())
            p_ref, p_got = softmax(ref)[:, 1], softmax(got)[:, 1]
            print(f"{v}: torch vs its ONNX export in onnxruntime: max |d logit| {err:.2e}, max |d p_live| "
                  f"{np.abs(p_ref - p_got).max():.2e}")
            ok &= err < 1e-3
            eng = ort_run(path, x, engine)
            err = float(np.abs(eng - got).max())
            print(f"{v}: bonafide's engine vs onnxruntime on the export: max |d logit| {err:.2e}")
            ok &= err < 1e-3
            if v == "v2":
                shared = os.path.join(SHARED, "models", "minifasnet-v2-80x80.onnx")
                pub = ort_run(shared, x)
                err = float(np.abs(pub - ref).max())
                print(f"v2: torch vs the published minifasnet-v2-80x80.onnx in onnxruntime: max |d logit| {err:.2e}, "
                      f"max |d p_live| {np.abs(softmax(pub)[:, 1] - p_ref).max():.2e}; live probabilities "
                      f"{' '.join(f'{p:.3f}' for p in p_ref)}")
                ok &= err < 1e-3
    if not ok:
        raise SystemExit("minifasnet: parity check failed")
    print("minifasnet: parity ok")


def softmax(z):
    e = np.exp(z - z.max(1, keepdims=True))
    return e / e.sum(1, keepdims=True)


def count_macs(net, size):
    total = [0]

    def hook(m, i, o):
        if isinstance(m, nn.Conv2d):
            total[0] += o.numel() * m.kernel_size[0] * m.kernel_size[1] * (m.in_channels // m.groups)
        elif isinstance(m, nn.Linear):
            total[0] += o.numel() * m.in_features

    hs = [m.register_forward_hook(hook) for m in net.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    with torch.no_grad():
        net.eval()(torch.zeros(1, 3, size, size))
    for h in hs:
        h.remove()
    return total[0]


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    e = sub.add_parser("export", help="write a published variant as ONNX")
    e.add_argument("variant", choices=sorted(HIDDEN))
    e.add_argument("out")
    sub.add_parser("check", help="strict loading and onnxruntime parity")
    a = p.parse_args(argv)
    if a.cmd == "export":
        export(a.variant, a.out)
        net = pretrained(a.variant)
        print(f"{a.out}: MiniFASNet{a.variant.upper()} 80x80, {count_macs(net, 80) / 1e6:.1f} M MACs, "
              f"{sum(t.numel() for t in net.parameters()) / 1e6:.3f} M parameters, {os.path.getsize(a.out)} bytes")
    else:
        check()


if __name__ == "__main__":
    sys.exit(main())
