"""Network definitions for bonafide's liveness models.

Every net here exports to ONNX opset 13 with only the ops internal/graph supports (Conv, BatchNorm folded by
the exporter, Relu/Clip, pools, Reshape/Transpose, MatMul/Gemm, ReduceSum, Sqrt, Div, Sigmoid,
Softmax...). Nothing uses ReduceL2, Erf, GELU or dynamic-shape ops: L2 norms are written as
Mul/ReduceSum/Sqrt/Div, and patch grids are split with fixed Reshape/Transpose.

Models
- PSB: Pyramid Supervision with binary masks (Yu et al. 2020) on a MobileNetV2-style backbone at
  128x128 with output stride 16, so that the last feature map is 8x8. F4, F2, F1 are average pools of
  F8; each scale has its own 1x1 conv (feature-to-mask); the binary head is a linear layer over the
  concatenated mask logits (8*8 + 4*4 + 2*2 + 1 = 85 values), as in the paper.
- PatchNet (Wang et al. 2022): a slim ResNet18-style patch encoder with an L2-normalised embedding and
  a cosine classifier over patch types. PatchGrid wraps it for export: full crop in, patches split in
  the graph, per-patch live probability map, aggregate score and embeddings out.
- Paper-scale definitions: ResNet50-PS (256x256, 8x8 last map), CDCN-PS (depth variant, CDC folded to
  a plain Conv at export) and full-width ResNet18 PatchNet.
"""

import math

import torch
import torch.nn as nn
import torch.nn.functional as F


# ------------------------------------------------------------------------------------ building blocks

def conv_bn(cin, cout, k=3, s=1, groups=1, act=True):
    layers = [nn.Conv2d(cin, cout, k, s, k // 2, groups=groups, bias=False), nn.BatchNorm2d(cout)]
    if act:
        layers.append(nn.ReLU6(inplace=True))
    return nn.Sequential(*layers)


def make_divisible(v, d=8):
    n = max(d, int(v + d / 2) // d * d)
    if n < 0.9 * v:
        n += d
    return n


class InvertedResidual(nn.Module):
    def __init__(self, cin, cout, stride, expand):
        super().__init__()
        hidden = cin * expand
        self.use_res = stride == 1 and cin == cout
        layers = []
        if expand != 1:
            layers.append(conv_bn(cin, hidden, 1))
        layers += [conv_bn(hidden, hidden, 3, stride, groups=hidden), conv_bn(hidden, cout, 1, act=False)]
        self.body = nn.Sequential(*layers)

    def forward(self, x):
        y = self.body(x)
        return x + y if self.use_res else y


# MobileNetV2's (expansion, channels, repeats, stride) table. The 160-channel stage keeps stride 1
# (output stride 16) so that a 128x128 input ends in an 8x8 map, the paper's finest pyramid level.
MNV2_OS16 = [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 1),
             (6, 320, 1, 1)]


class MobileNetV2OS16(nn.Module):
    def __init__(self, width=0.75, last=512):
        super().__init__()
        c = make_divisible(32 * width)
        layers = [conv_bn(3, c, 3, 2)]
        for t, ch, n, s in MNV2_OS16:
            out = make_divisible(ch * width)
            for i in range(n):
                layers.append(InvertedResidual(c, out, s if i == 0 else 1, t))
                c = out
        layers.append(conv_bn(c, last, 1))
        self.features = nn.Sequential(*layers)
        self.out_channels = last

    def forward(self, x):
        return self.features(x)


class PyramidHead(nn.Module):
    """Pyramid binary-mask supervision head. F8 is the backbone's last map (any size divisible by 8 is
    pooled to 8x8 first); F4, F2, F1 are its average pools. Returns mask logits per scale and the
    binary logit from a linear layer over all 85 mask logits."""

    def __init__(self, cin, scales=(8, 4, 2, 1)):
        super().__init__()
        self.scales = scales
        self.mask = nn.ModuleList([nn.Conv2d(cin, 1, 1) for _ in scales])
        self.binary = nn.Linear(sum(s * s for s in scales), 1)

    def forward(self, f):
        logits = []
        for conv, s in zip(self.mask, self.scales):
            k = int(f.shape[-1]) // s
            fs = f if k == 1 else F.avg_pool2d(f, k)
            logits.append(conv(fs))
        flat = torch.cat([m.flatten(1) for m in logits], 1)
        return logits, self.binary(flat)


class PSB(nn.Module):
    """PS-B: the default browser model. forward() returns training logits; Export wraps it."""

    def __init__(self, width=0.75, last=512):
        super().__init__()
        self.backbone = MobileNetV2OS16(width, last)
        self.head = PyramidHead(self.backbone.out_channels)

    def forward(self, x):
        return self.head(self.backbone(x))


class PyramidExport(nn.Module):
    """Inference graph of a pyramid-binary model: live probabilities, not logits. Outputs: score [1,1],
    then map8, map4, map2 [1,1,H,W] (the 1x1 level is trained but not exported: it is one number the
    score already summarises)."""

    def __init__(self, net, exported_scales=(8, 4, 2)):
        super().__init__()
        self.net = net
        self.exported = exported_scales

    def forward(self, x):
        logits, b = self.net(x)
        maps = [torch.sigmoid(m) for m, s in zip(logits, self.net.head.scales) if s in self.exported]
        return (torch.sigmoid(b), *maps)


# ------------------------------------------------------------------------------------------- ResNet

class BasicBlock(nn.Module):
    expansion = 1

    def __init__(self, cin, c, stride=1):
        super().__init__()
        self.c1 = nn.Conv2d(cin, c, 3, stride, 1, bias=False)
        self.b1 = nn.BatchNorm2d(c)
        self.c2 = nn.Conv2d(c, c, 3, 1, 1, bias=False)
        self.b2 = nn.BatchNorm2d(c)
        self.down = None
        if stride != 1 or cin != c:
            self.down = nn.Sequential(nn.Conv2d(cin, c, 1, stride, bias=False), nn.BatchNorm2d(c))

    def forward(self, x):
        y = F.relu(self.b1(self.c1(x)))
        y = self.b2(self.c2(y))
        return F.relu(y + (x if self.down is None else self.down(x)))


class Bottleneck(nn.Module):
    expansion = 4

    def __init__(self, cin, c, stride=1):
        super().__init__()
        out = c * 4
        self.c1 = nn.Conv2d(cin, c, 1, bias=False)
        self.b1 = nn.BatchNorm2d(c)
        self.c2 = nn.Conv2d(c, c, 3, stride, 1, bias=False)
        self.b2 = nn.BatchNorm2d(c)
        self.c3 = nn.Conv2d(c, out, 1, bias=False)
        self.b3 = nn.BatchNorm2d(out)
        self.down = None
        if stride != 1 or cin != out:
            self.down = nn.Sequential(nn.Conv2d(cin, out, 1, stride, bias=False), nn.BatchNorm2d(out))

    def forward(self, x):
        y = F.relu(self.b1(self.c1(x)))
        y = F.relu(self.b2(self.c2(y)))
        y = self.b3(self.c3(y))
        return F.relu(y + (x if self.down is None else self.down(x)))


class ResNet(nn.Module):
    """ResNet trunk without the classifier. stem='imagenet' is 7x7/2 + maxpool (stride 4);
    stem='patch' is 3x3/2 without maxpool (stride 2), for 32x32 patches."""

    def __init__(self, block, layers, widths=(64, 128, 256, 512), stem="imagenet"):
        super().__init__()
        w0 = widths[0]
        if stem == "imagenet":
            self.stem = nn.Sequential(nn.Conv2d(3, w0, 7, 2, 3, bias=False), nn.BatchNorm2d(w0), nn.ReLU(inplace=True),
                                      nn.MaxPool2d(3, 2, 1))
        else:
            self.stem = nn.Sequential(nn.Conv2d(3, w0, 3, 2, 1, bias=False), nn.BatchNorm2d(w0), nn.ReLU(inplace=True))
        cin = w0
        stages = []
        for i, (n, w) in enumerate(zip(layers, widths)):
            blocks = []
            for j in range(n):
                blocks.append(block(cin, w, (1 if i == 0 else 2) if j == 0 else 1))
                cin = w * block.expansion
            stages.append(nn.Sequential(*blocks))
        self.stages = nn.Sequential(*stages)
        self.out_channels = cin

    def forward(self, x):
        return self.stages(self.stem(x))


class ResNet50PS(nn.Module):
    """ResNet50-PS as in the paper: 256x256 input, the stride-32 map is 8x8, pyramid head on it."""

    def __init__(self):
        super().__init__()
        self.backbone = ResNet(Bottleneck, [3, 4, 6, 3])
        self.head = PyramidHead(self.backbone.out_channels)

    def forward(self, x):
        return self.head(self.backbone(x))


# ------------------------------------------------------------------------------------------ PatchNet

class PatchEncoder(nn.Module):
    """ResNet18-style patch encoder (BasicBlock x [2,2,2,2]) for 32x32 patches: stem 3x3/2, stages at
    16, 8, 4, 2 px, global average pool, a linear projection to dim (no ReLU, so embeddings can point
    anywhere on the sphere) and L2 normalisation written with Mul/ReduceSum/Sqrt/Div."""

    def __init__(self, widths=(16, 32, 64, 128), dim=128, stem="patch"):
        super().__init__()
        self.trunk = ResNet(BasicBlock, [2, 2, 2, 2], widths, stem=stem)
        self.proj = nn.Linear(self.trunk.out_channels, dim)
        self.dim = dim

    def forward(self, x):
        f = self.trunk(x).mean((2, 3))
        return l2norm(self.proj(f))


def l2norm(x, eps=1e-6):
    return x / torch.sqrt((x * x).sum(1, keepdim=True) + eps)


class CosineClassifier(nn.Module):
    """Class weights on the unit sphere; returns cos(theta) between embeddings and classes. With qat
    set (qat.enable), the normalised class vectors are put on the int8 grid in the forward pass;
    freeze() stores that grid version as a constant buffer, which is what the export then holds (a
    MatMul weight the quantizer reproduces exactly)."""

    def __init__(self, dim, classes):
        super().__init__()
        self.w = nn.Parameter(torch.randn(classes, dim) * 0.1)
        self.qat = False
        self.register_buffer("frozen", torch.zeros(0))

    def weight(self):
        if self.frozen.numel():
            return self.frozen
        w = l2norm(self.w)
        if self.qat:
            import qat
            w = w + (qat.grid(w) - w).detach()
        return w

    def freeze(self):
        with torch.no_grad():
            self.frozen = self.weight().detach().clone()

    def forward(self, e):
        return e @ self.weight().t()


class PatchNet(nn.Module):
    def __init__(self, classes, live_classes, widths=(16, 32, 64, 128), dim=128, scale=30.0, stem="patch"):
        super().__init__()
        self.encoder = PatchEncoder(widths, dim, stem)
        self.cls = CosineClassifier(dim, classes)
        self.live_classes = list(live_classes)
        self.classes = classes
        self.scale = scale

    def forward(self, patches):
        e = self.encoder(patches)
        return e, self.cls(e)


class PatchGrid(nn.Module):
    """Export wrapper: [1,3,H,W] crop -> G x G non-overlapping patches (Reshape/Transpose in the
    graph) -> encoder -> per-patch live probability (softmax over s*cos, summed over live classes).
    Outputs: score [1,1] (mean patch live probability), patch_map [1,1,G,G], embeddings [G*G, D]."""

    def __init__(self, net, size=128, grid=4):
        super().__init__()
        self.net, self.size, self.grid = net, size, grid
        p = size // grid
        self.p = p
        live = torch.zeros(net.classes, 1)
        live[net.live_classes] = 1.0
        self.register_buffer("live", live)

    def forward(self, x):
        g, p = self.grid, self.p
        # [1,3,g*p,g*p] -> [3,g,p,g,p] -> [g,g,3,p,p] -> [g*g,3,p,p]; patch i = row*g + col.
        t = x.reshape(3, g, p, g, p).permute(1, 3, 0, 2, 4).reshape(g * g, 3, p, p)
        e, cos = self.net(t)
        prob = torch.softmax(cos * self.net.scale, 1) @ self.live  # [g*g, 1]
        pmap = prob.reshape(1, 1, g, g)
        score = prob.mean(0, keepdim=True)  # [1,1]
        return score, pmap, e


# -------------------------------------------------------------------------------------------- CDCN

class CDC(nn.Module):
    """Central-difference conv (Yu et al. 2020): y = conv(x, w) - theta * x * sum(w). At export it
    folds into one plain Conv with w' = w, w'[centre] -= theta * sum over the kernel window."""

    def __init__(self, cin, cout, theta=0.7):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, 3, 1, 1, bias=False)
        self.theta = theta

    def forward(self, x):
        y = self.conv(x)
        if self.theta == 0:
            return y
        kd = self.conv.weight.sum((2, 3), keepdim=True)
        return y - self.theta * F.conv2d(x, kd)

    def folded(self):
        c = nn.Conv2d(self.conv.in_channels, self.conv.out_channels, 3, 1, 1, bias=False)
        w = self.conv.weight.detach().clone()
        w[:, :, 1, 1] -= self.theta * w.sum((2, 3))
        c.weight.data.copy_(w)
        return c


def fold_cdc(module):
    """Replace every CDC in module by its folded plain Conv (in place)."""
    for name, child in module.named_children():
        if isinstance(child, CDC):
            setattr(module, name, child.folded())
        else:
            fold_cdc(child)
    return module


def cdc_bn_relu(cin, cout, theta):
    return nn.Sequential(CDC(cin, cout, theta), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class CDCNPS(nn.Module):
    """CDCN (Yu et al., CVPR 2020) with pyramid depth supervision: 256x256 input, three CDC blocks
    (low/mid/high, each ending in a 2x max pool), multi-level concatenation at 32x32, a 3-layer depth
    head to a 32x32 depth map. Pyramid levels 16, 8, 4, 2, 1 are average pools of the 32x32 map.
    Exported outputs: score (mean depth, the paper's test-time score is the mean over all scales,
    which equals the mean of the 32x32 map because every level is an average pool of it), then depth32,
    depth16, depth8, depth4, depth2 maps."""

    def __init__(self, theta=0.7):
        super().__init__()
        self.stem = cdc_bn_relu(3, 64, theta)

        self.low = nn.Sequential(cdc_bn_relu(64, 128, theta), cdc_bn_relu(128, 196, theta),
                                 cdc_bn_relu(196, 128, theta), nn.MaxPool2d(3, 2, 1))
        self.mid = nn.Sequential(cdc_bn_relu(128, 128, theta), cdc_bn_relu(128, 196, theta),
                                 cdc_bn_relu(196, 128, theta), nn.MaxPool2d(3, 2, 1))
        self.high = nn.Sequential(cdc_bn_relu(128, 128, theta), cdc_bn_relu(128, 196, theta),
                                  cdc_bn_relu(196, 128, theta), nn.MaxPool2d(3, 2, 1))
        self.head = nn.Sequential(cdc_bn_relu(128 * 3, 128, theta), cdc_bn_relu(128, 64, theta),
                                  CDC(64, 1, theta), nn.ReLU(inplace=True))

    def forward(self, x):
        x = self.stem(x)
        lo = self.low(x)     # 128
        mi = self.mid(lo)    # 64
        hi = self.high(mi)   # 32
        cat = torch.cat([F.interpolate(lo, size=hi.shape[-2:], mode="bilinear", align_corners=False),
                         F.interpolate(mi, size=hi.shape[-2:], mode="bilinear", align_corners=False), hi], 1)
        return self.head(cat).squeeze(1)  # [N,32,32]


class CDCNPSExport(nn.Module):
    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, x):
        # Depth targets lie in [0, 1] but the head ends in a ReLU, so a map can overshoot 1; the
        # metadata contract promises [0, 1] for every map, so the export clamps before pooling.
        d = self.net(x).unsqueeze(1).clamp(0, 1)  # [1,1,32,32]
        maps = [d] + [F.avg_pool2d(d, k) for k in (2, 4, 8, 16)]
        score = d.mean((2, 3))  # [1,1], inside [0, 1] since d is
        return (score, *maps)


# ------------------------------------------------------------------------------------------ counting

def count_macs(model, x):
    """MACs of Conv2d and Linear layers for one forward pass (what `bonafide inspect` counts too)."""
    total = [0]

    def conv_hook(m, i, o):
        k = m.kernel_size[0] * m.kernel_size[1] * (m.in_channels // m.groups)
        total[0] += o.numel() * k

    def lin_hook(m, i, o):
        total[0] += o.numel() * m.in_features

    hs = []
    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            hs.append(m.register_forward_hook(conv_hook))
        elif isinstance(m, nn.Linear):
            hs.append(m.register_forward_hook(lin_hook))
    with torch.no_grad():
        model(x)
    for h in hs:
        h.remove()
    return total[0]


def count_params(model):
    return sum(p.numel() for p in model.parameters())


if __name__ == "__main__":
    torch.manual_seed(0)
    for name, m, shape in [
        ("PSB w0.5", PSB(0.5, 384), (1, 3, 128, 128)),
        ("PSB w0.75", PSB(0.75, 512), (1, 3, 128, 128)),
        ("PSB w1.0", PSB(1.0, 640), (1, 3, 128, 128)),
        ("PatchNet slim", PatchGrid(PatchNet(6, [0, 1]).eval()), (1, 3, 128, 128)),
        ("PatchNet 24", PatchGrid(PatchNet(6, [0, 1], (24, 48, 96, 192)).eval()), (1, 3, 128, 128)),
        ("ResNet50-PS", ResNet50PS(), (1, 3, 256, 256)),
        ("CDCN-PS", CDCNPS(), (1, 3, 256, 256)),
        ("ResNet18-PatchNet", PatchGrid(PatchNet(6, [0, 1], (64, 128, 256, 512), 512, stem="imagenet").eval(), 224, 2),
         (1, 3, 224, 224)),
    ]:
        m.eval()
        x = torch.randn(*shape)
        print(f"{name:20s} MACs {count_macs(m, x) / 1e6:8.1f} M  params {count_params(m) / 1e6:6.3f} M")
