"""Synthetic presentation attacks made from bona fide (live) face crops, and robustness augmentation.

Real attacks in ../shared are NUAA's printed photos and six sources' screen replays. To widen both
beyond those printers, papers, screens and rooms, every bona fide crop is turned into synthetic
attacks by simulating the physical chain: the image shown on a medium (screen or paper),
then recaptured by a webcam. Every function takes and returns float32 HxWx3 RGB in [0, 1] and draws
all its randomness from the numpy Generator it is given, so a seed fixes the result.

All pixel sizes below are in crop pixels of the 128x128, scale-1.5 crop (the face box is the central
~85 px); the model cards list the same parameters. replay() and print_attack() take px, a factor for
every length (blurs, blobs, bands, bezels, halftone period, paper grain, bending), so that the same
attacks can be made on other crops (protocol.py: px = 1.5 / the crop's box scale, 0.56 for the x2.7
crop); the screen's subpixel pitch k is always per camera pixel, as the moire forms on the sensor.

Screen replay (replay()) — in order:
  1. display tone: gamma g in [0.75, 1.3] (the screen's transfer curve is not the camera's),
     white point: R gain in [0.85, 1.0], B gain in [1.0, 1.18] (cool 7000-9300 K panels) or, with
     p=0.3, warm "night mode" R [1.0, 1.1], B [0.75, 0.9]; black level lift b in [0.02, 0.12]
     (out = b + (1-b) x: a lit room never sees a screen's true black); saturation x[0.9, 1.25].
  2. subpixel grid + moire: the screen's RGB stripe (or, p=0.3, a PenTile-like diamond) is
     evaluated in screen coordinates s = R(theta) * k * (u, v) with theta in [-12, 12] degrees and
     k in [0.55, 1.8] screen pixels per camera pixel, point-sampled at 3x3 sub-positions per camera
     pixel and box-averaged (the aliasing of that average is the moire), normalised to mean 1, and
     applied multiplicatively with strength a in [0.12, 0.55] (defocus lowers the contrast).
  3. banding: intensities quantised to L in [20, 64] levels (6-bit panels, compressed video) with
     p=0.6; rolling-shutter/PWM flicker bands 1 + f sin(2 pi v / P + phi), f in [0.01, 0.06],
     P in [6, 40] px, with p=0.5.
  4. reflections: a soft specular blob (Gaussian, sigma in [12, 50] px, amplitude [0.05, 0.35]) with
     p=0.6, and a ghost of the room (a blurred, flipped, shifted copy of the crop or of a random
     other crop at opacity [0.04, 0.15]) with p=0.4.
  5. bezel edges: with p=0.45, one or two sides show the end of the screen: a straight edge at
     [3%, 22%] of the crop from the side, tilted by up to 6 degrees, a bezel band [1, 8] px of dark
     grey/black ([0.02, 0.2]) and beyond it the "room" (a flat colour or a blurred random crop).
  6. recapture: Gaussian blur sigma in [0.3, 1.1], sensor noise sigma in [0.004, 0.02].

Print (print_attack()) — in order:
  1. reduced gamut: saturation x[0.55, 0.9]; tone compressed to [lo, hi] with paper black lo in
     [0.04, 0.16] and paper white hi in [0.82, 0.97]; a warm paper tint (B gain [0.88, 1.0]).
  2. halftone: RGB -> CMYK; each ink is screened with a clustered dot at its classic angle (C 15,
     M 75, Y 0, K 45 degrees, plus a random rotation of the whole screen) with cell period
     c in [1.5, 3.5] px, rendered at 3x3 sub-positions and box-averaged; blended with the
     continuous tone at strength a in [0.2, 0.7] (the camera's blur smooths dots).
  3. paper texture: multiplicative low-pass noise (white noise blurred with sigma in [0.7, 2.5] px,
     amplitude [0.015, 0.06]) plus sparse fibres (thin bright/dark lines) with p=0.3.
  4. blur: Gaussian sigma in [0.4, 1.5] (printer resolution + defocus on the paper).
  5. specular glare: with p=0.5 a bright elliptical sheen (axes [10, 60] px, amplitude
     [0.08, 0.45]) — glossy photo paper.
  6. paper edges / bending: with p=0.4 one or two sides show the paper's edge: a white margin
     ([1, 10] px, paper white) then the background (flat colour or blurred random crop), the edge
     tilted up to 8 degrees; with p=0.4 the sheet bends: a horizontal or vertical sinusoidal warp of
     amplitude [0.5, 3] px and period [60, 200] px, with matching shading [0.03, 0.12].
  7. recapture noise sigma in [0.004, 0.02].

Camera and light domain shift (camera_shift(), its docstring lists every parameter) is applied to
every training view, live and attack alike, so that none of those conditions is a cue for either
class; small shifts (+-7% of the crop), scales ([0.9, 1.12]) and rotations (+-6 degrees) are applied
on the batch in torch (geometry()), to the image and its face mask.
"""

import io
import math

import numpy as np
from PIL import Image


# ------------------------------------------------------------------------------------------- helpers

def gauss_kernel(sigma):
    r = max(1, int(math.ceil(3 * sigma)))
    x = np.arange(-r, r + 1, dtype=np.float32)
    k = np.exp(-0.5 * (x / sigma) ** 2)
    return k / k.sum()


def blur(img, sigma):
    """Separable Gaussian blur with edge replication; img HxW or HxWxC float32."""
    if sigma <= 0.05:
        return img
    k = gauss_kernel(sigma)
    r = len(k) // 2
    pad = [(r, r), (0, 0)] + [(0, 0)] * (img.ndim - 2)
    p = np.pad(img, pad, mode="edge")
    out = sum(k[i] * p[i:i + img.shape[0]] for i in range(len(k)))
    pad = [(0, 0), (r, r)] + [(0, 0)] * (img.ndim - 2)
    p = np.pad(out, pad, mode="edge")
    return sum(k[i] * p[:, i:i + img.shape[1]] for i in range(len(k))).astype(np.float32)


def luma(img):
    return img @ np.array([0.299, 0.587, 0.114], np.float32)


def saturate(img, s):
    y = luma(img)[..., None]
    return y + s * (img - y)


def grid(h, w, ss=1):
    """Sub-pixel sample coordinates (u, v) in camera pixels, shape [h*ss, w*ss]."""
    o = (np.arange(ss, dtype=np.float32) + 0.5) / ss
    u = (np.arange(w, dtype=np.float32)[:, None] + o[None, :]).reshape(-1)
    v = (np.arange(h, dtype=np.float32)[:, None] + o[None, :]).reshape(-1)
    return np.meshgrid(u, v)


def box_down(a, ss):
    h, w = a.shape[0] // ss, a.shape[1] // ss
    return a.reshape(h, ss, w, ss, *a.shape[2:]).mean((1, 3))


def other_tile(rng, pool, h, w, px=1.0):
    """A blurred random crop from pool (uint8 NHWC), p=0.6, or a flat wall colour (grey [0.15, 0.85]
    with a +-15% tint per channel): a stand-in for the room behind a screen or sheet."""
    if pool is not None and rng.random() < 0.6:
        t = pool[rng.integers(len(pool))].astype(np.float32) / 255
        if rng.random() < 0.5:
            t = t[:, ::-1]
        if t.shape[:2] != (h, w):
            t = np.asarray(Image.fromarray((t * 255).astype(np.uint8)).resize((w, h), Image.BILINEAR), np.float32) / 255
        return blur(t, rng.uniform(1.5, 4.0) * px)
    grey = rng.uniform(0.15, 0.85)
    tint = rng.uniform(0.85, 1.15, 3)
    return np.broadcast_to((grey * tint).astype(np.float32), (h, w, 3)).copy()


def edge_mask(rng, h, w, frac_lo, frac_hi, max_tilt):
    """Half-plane mask (1 = inside the medium) whose edge runs along one side of the crop at a
    distance of [frac_lo, frac_hi] of the crop, tilted by up to max_tilt degrees. Also returns the
    signed distance to the edge in px (positive inside)."""
    side = rng.integers(4)
    d0 = rng.uniform(frac_lo, frac_hi) * (w if side < 2 else h)
    tilt = math.radians(rng.uniform(-max_tilt, max_tilt))
    u, v = grid(h, w)
    if side == 0:    # left edge
        dist = (u - d0) - (v - h / 2) * math.tan(tilt)
    elif side == 1:  # right edge
        dist = (w - d0 - u) - (v - h / 2) * math.tan(tilt)
    elif side == 2:  # top edge
        dist = (v - d0) - (u - w / 2) * math.tan(tilt)
    else:            # bottom edge
        dist = (h - d0 - v) - (u - w / 2) * math.tan(tilt)
    return dist


def soft_blob(rng, h, w, sig_lo, sig_hi, elongate=1.0):
    u, v = grid(h, w)
    cx, cy = rng.uniform(0, w), rng.uniform(0, h)
    sx = rng.uniform(sig_lo, sig_hi)
    sy = sx * rng.uniform(1 / elongate, elongate)
    a = rng.uniform(0, math.pi)
    du, dv = u - cx, v - cy
    x = du * math.cos(a) + dv * math.sin(a)
    y = -du * math.sin(a) + dv * math.cos(a)
    return np.exp(-0.5 * ((x / sx) ** 2 + (y / sy) ** 2)).astype(np.float32)


# ---------------------------------------------------------------------------------------- screen replay

def subpixel_mask(rng, h, w):
    """Per-channel screen subpixel pattern as seen by the camera (with aliasing), mean 1."""
    ss = 3
    u, v = grid(h, w, ss)
    th = math.radians(rng.uniform(-12, 12))
    k = rng.uniform(0.55, 1.8)
    x = k * (u * math.cos(th) + v * math.sin(th)) + rng.uniform(0, 1)
    y = k * (-u * math.sin(th) + v * math.cos(th)) + rng.uniform(0, 1)
    fx, fy = x - np.floor(x), y - np.floor(y)
    m = np.zeros(u.shape + (3,), np.float32)
    fill = rng.uniform(0.7, 0.95)   # fraction of the pixel height lit (the black matrix between rows)
    row = (fy < fill).astype(np.float32)
    if rng.random() < 0.7:
        # RGB vertical stripes: thirds of the pixel width.
        for c in range(3):
            m[..., c] = ((fx >= c / 3) & (fx < c / 3 + 0.3)).astype(np.float32) * row
    else:
        # PenTile-like: green every pixel, red and blue alternate on a checkerboard.
        ix = np.floor(x).astype(np.int64)
        iy = np.floor(y).astype(np.int64)
        chk = (ix + iy) % 2 == 0
        dot = ((fx - 0.5) ** 2 + (fy - 0.5) ** 2) < 0.12
        m[..., 1] = (((fx - 0.5) ** 2 + (fy - 0.25) ** 2) < 0.05).astype(np.float32)
        m[..., 0] = (dot & chk).astype(np.float32)
        m[..., 2] = (dot & ~chk).astype(np.float32)
    m = box_down(m, ss)
    return m / np.maximum(m.mean((0, 1), keepdims=True), 1e-3)


def replay(img, rng, pool=None, px=1.0):
    h, w, _ = img.shape
    x = np.clip(img, 0, 1)
    # 1. display tone
    x = x ** rng.uniform(0.75, 1.3)
    if rng.random() < 0.3:
        gains = np.array([rng.uniform(1.0, 1.1), 1.0, rng.uniform(0.75, 0.9)], np.float32)
    else:
        gains = np.array([rng.uniform(0.85, 1.0), 1.0, rng.uniform(1.0, 1.18)], np.float32)
    x = x * gains
    b = rng.uniform(0.02, 0.12)
    x = b + (1 - b) * x
    x = saturate(x, rng.uniform(0.9, 1.25))
    # 2. subpixel grid and moire
    a = rng.uniform(0.12, 0.55)
    x = x * ((1 - a) + a * subpixel_mask(rng, h, w))
    # 3. banding
    if rng.random() < 0.6:
        L = rng.integers(20, 65)
        x = np.round(np.clip(x, 0, 1) * (L - 1)) / (L - 1)
    if rng.random() < 0.5:
        _, v = grid(h, w)
        f = rng.uniform(0.01, 0.06)
        x = x * (1 + f * np.sin(2 * math.pi * v / (rng.uniform(6, 40) * px) + rng.uniform(0, 2 * math.pi)))[..., None]
    # 4. reflections
    if rng.random() < 0.6:
        x = x + rng.uniform(0.05, 0.35) * soft_blob(rng, h, w, 12 * px, 50 * px, 2.0)[..., None]
    if rng.random() < 0.4:
        g = other_tile(rng, pool, h, w, px) if pool is not None else img[::-1, ::-1]
        g = np.roll(blur(g, rng.uniform(2, 6) * px), (int(rng.integers(-20, 20) * px), int(rng.integers(-20, 20) * px)), (0, 1))
        x = x + rng.uniform(0.04, 0.15) * g
    # 5. bezel edges
    if rng.random() < 0.45:
        for _ in range(rng.integers(1, 3)):
            dist = edge_mask(rng, h, w, 0.03, 0.22, 6)
            bez = rng.uniform(1, 8) * px
            room = other_tile(rng, pool, h, w, px)
            bcol = rng.uniform(0.02, 0.2)
            inside = np.clip(dist + 0.5, 0, 1)[..., None]
            onbezel = np.clip(dist + bez + 0.5, 0, 1)[..., None] - inside
            x = x * inside + bcol * onbezel + room * (1 - inside - onbezel)
    # 6. recapture
    x = blur(x, rng.uniform(0.3, 1.1) * px)
    x = x + rng.normal(0, rng.uniform(0.004, 0.02), x.shape).astype(np.float32)
    return np.clip(x, 0, 1).astype(np.float32)


# ---------------------------------------------------------------------------------------------- print

def halftone(x, rng, px=1.0):
    """Clustered-dot CMYK halftone of x (HxWx3 in [0,1]), rendered at 3x3 sub-positions and box
    averaged, returned as RGB."""
    h, w, _ = x.shape
    ss = 3
    k = 1 - x.max(2)
    denom = np.maximum(1 - k, 1e-3)
    cmy = [(1 - x[..., c] - k) / denom for c in range(3)]
    inks = cmy + [k]
    u, v = grid(h, w, ss)
    period = rng.uniform(1.5, 3.5) * px
    rot = rng.uniform(0, 90)
    out = np.ones((h * ss, w * ss, 3), np.float32)
    # Which RGB channels each ink absorbs: C absorbs R, M absorbs G, Y absorbs B, K all.
    absorb = [np.array([1, 0, 0]), np.array([0, 1, 0]), np.array([0, 0, 1]), np.array([1, 1, 1])]
    for ink, ang, ab in zip(inks, (15, 75, 0, 45), absorb):
        cov = np.repeat(np.repeat(ink, ss, 0), ss, 1)
        t = math.radians(ang + rot)
        a = (u * math.cos(t) + v * math.sin(t)) / period
        b = (-u * math.sin(t) + v * math.cos(t)) / period
        # Clustered dot: a dot grows from the cell centre; its area is the ink coverage.
        spot = (np.cos(2 * math.pi * a) + np.cos(2 * math.pi * b)) / 4 + 0.5  # 1 at centre, 0 at corners
        on = (spot > 1 - cov).astype(np.float32)
        out *= 1 - on[..., None] * ab[None, None, :] * 0.92
    return box_down(out, ss)


def print_attack(img, rng, pool=None, px=1.0):
    h, w, _ = img.shape
    x = np.clip(img, 0, 1)
    # 1. reduced gamut
    x = saturate(x, rng.uniform(0.55, 0.9))
    lo, hi = rng.uniform(0.04, 0.16), rng.uniform(0.82, 0.97)
    x = lo + (hi - lo) * np.clip(x, 0, 1)
    x = x * np.array([1.0, 1.0, rng.uniform(0.88, 1.0)], np.float32)
    # 2. halftone
    a = rng.uniform(0.2, 0.7)
    x = (1 - a) * x + a * (lo + (hi - lo) * halftone(np.clip((x - lo) / (hi - lo), 0, 1), rng, px))
    # 3. paper texture
    n = blur(rng.normal(0, 1, (h, w)).astype(np.float32), rng.uniform(0.7, 2.5) * px)
    n = n / max(n.std(), 1e-6)
    x = x * (1 + rng.uniform(0.015, 0.06) * n)[..., None]
    if rng.random() < 0.3:
        for _ in range(rng.integers(3, 12)):
            u, v = grid(h, w)
            cx, cy, ang = rng.uniform(0, w), rng.uniform(0, h), rng.uniform(0, math.pi)
            d = np.abs((u - cx) * math.sin(ang) - (v - cy) * math.cos(ang))
            along = np.abs((u - cx) * math.cos(ang) + (v - cy) * math.sin(ang))
            line = ((d < 0.6 * px) & (along < rng.uniform(4, 15) * px)).astype(np.float32)
            x = x * (1 + rng.uniform(-0.06, 0.06) * line)[..., None]
    # 4. blur
    x = blur(x, rng.uniform(0.4, 1.5) * px)
    # 5. specular glare
    if rng.random() < 0.5:
        x = x + rng.uniform(0.08, 0.45) * soft_blob(rng, h, w, 5 * px, 30 * px, 3.0)[..., None]
    # 6. bending, then paper edges
    if rng.random() < 0.4:
        u, v = grid(h, w)
        amp, per, ph = rng.uniform(0.5, 3) * px, rng.uniform(60, 200) * px, rng.uniform(0, 2 * math.pi)
        vertical = rng.random() < 0.5
        s = np.sin(2 * math.pi * (u if vertical else v) / per + ph)
        du = amp * s if not vertical else 0 * s
        dv = amp * s if vertical else 0 * s
        xi = np.clip(np.round(u - 0.5 + du), 0, w - 1).astype(np.int64)
        yi = np.clip(np.round(v - 0.5 + dv), 0, h - 1).astype(np.int64)
        x = x[yi, xi] * (1 + rng.uniform(0.03, 0.12) * np.cos(2 * math.pi * (u if vertical else v) / per + ph))[..., None]
    if rng.random() < 0.4:
        white = np.float32(hi)
        for _ in range(rng.integers(1, 3)):
            dist = edge_mask(rng, h, w, 0.03, 0.22, 8)
            margin = rng.uniform(1, 10) * px
            room = other_tile(rng, pool, h, w, px)
            inner = np.clip(dist - margin + 0.5, 0, 1)[..., None]   # printed area
            paper = np.clip(dist + 0.5, 0, 1)[..., None] - inner     # white margin
            x = x * inner + white * paper + room * (1 - inner - paper)
    # 7. recapture noise
    x = x + rng.normal(0, rng.uniform(0.004, 0.02), x.shape).astype(np.float32)
    return np.clip(x, 0, 1).astype(np.float32)


ATTACKS = {"replay": replay, "print": print_attack}


# ----------------------------------------------------------------------------------------- augmentation

def jpeg(x, q):
    im = Image.fromarray((np.clip(x, 0, 1) * 255 + 0.5).astype(np.uint8))
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=int(q))
    buf.seek(0)
    return np.asarray(Image.open(buf).convert("RGB")).astype(np.float32) / 255


def resize(x, w, h, resample=Image.BILINEAR):
    im = Image.fromarray((np.clip(x, 0, 1) * 255 + 0.5).astype(np.uint8))
    return np.asarray(im.resize((w, h), resample), np.float32) / 255


def motion_kernel(length, angle):
    """A normalised line kernel (motion blur) of the given length in px and angle in radians."""
    r = int(math.ceil(length / 2))
    k = np.zeros((2 * r + 1, 2 * r + 1), np.float32)
    for t in np.linspace(-length / 2, length / 2, 4 * r + 1):
        k[int(round(r + t * math.sin(angle))), int(round(r + t * math.cos(angle)))] += 1
    return k / k.sum()


def conv2(x, k):
    r = k.shape[0] // 2
    p = np.pad(x, ((r, r), (r, r), (0, 0)), mode="edge")
    out = np.zeros_like(x)
    for dy, dx in zip(*np.nonzero(k)):
        out += k[dy, dx] * p[dy:dy + x.shape[0], dx:dx + x.shape[1]]
    return out


def camera_shift(img, rng):
    """Camera and light domain shift, in the order a capture goes through them (every parameter in
    crop pixels of the 128 px x2.7 crop, where the face box is ~47 px):
      1. resolution loss, p=0.5: down-sampled by [1.3, 2.6] (a 320x240 webcam, a face far away) and
         back up, bilinear or bicubic;
      2. motion blur, p=0.25: a line kernel [3, 9] px long at any angle; else defocus blur sigma
         [0.3, 1.2] with p=0.3;
      3. exposure: gain [0.5, 1.7] with clipping (blown highlights), gamma [0.7, 1.45], contrast
         [0.75, 1.25], a light gradient +-[0, 0.3] with p=0.5;
      4. white balance and colour casts: R and B gains [0.78, 1.25] (G 1), and with p=0.4 a cast
         added in the shadows (per channel [-0.05, 0.05], weighted by 1 - luma);
      5. sensor noise: signal-dependent, sigma^2 = a x + b^2 with a in [0, 0.004], b in [0, 0.02], and
         colour noise at half resolution with p=0.5;
      6. JPEG quality [30, 95] with p=0.6.
    img float32 HxWx3 in [0, 1]; returns the same."""
    h, w, _ = img.shape
    x = img
    if rng.random() < 0.5:
        f = rng.uniform(1.3, 2.6)
        small = resize(x, max(8, int(round(w / f))), max(8, int(round(h / f))), Image.BOX)
        x = resize(small, w, h, Image.BICUBIC if rng.random() < 0.5 else Image.BILINEAR)
    if rng.random() < 0.25:
        x = conv2(x, motion_kernel(rng.uniform(3, 9), rng.uniform(0, math.pi)))
    elif rng.random() < 0.3:
        x = blur(x, rng.uniform(0.3, 1.2))
    x = x * rng.uniform(0.5, 1.7)
    if rng.random() < 0.5:
        u, v = grid(h, w)
        ang = rng.uniform(0, 2 * math.pi)
        g = ((u / w - 0.5) * math.cos(ang) + (v / h - 0.5) * math.sin(ang)) * 2
        x = x * (1 + rng.uniform(0, 0.3) * g)[..., None]
    x = np.clip(x, 0, 1) ** rng.uniform(0.7, 1.45)
    m = x.mean()
    x = (x - m) * rng.uniform(0.75, 1.25) + m
    x = x * np.array([rng.uniform(0.78, 1.25), 1.0, rng.uniform(0.78, 1.25)], np.float32)
    if rng.random() < 0.4:
        x = x + rng.uniform(-0.05, 0.05, 3).astype(np.float32) * (1 - luma(np.clip(x, 0, 1)))[..., None]
    x = np.clip(x, 0, 1)
    sig = np.sqrt(rng.uniform(0, 0.004) * x + rng.uniform(0, 0.02) ** 2)
    x = x + sig * rng.normal(0, 1, x.shape).astype(np.float32)
    if rng.random() < 0.5:
        c = rng.normal(0, rng.uniform(0, 0.015), (h // 2 + 1, w // 2 + 1, 3)).astype(np.float32)
        x = x + np.repeat(np.repeat(c, 2, 0), 2, 1)[:h, :w]
    if rng.random() < 0.6:
        x = jpeg(x, rng.integers(30, 96))
    return np.clip(x, 0, 1).astype(np.float32)


def geometry(x, mask, gen, shift=0.07, scale=(0.9, 1.12), rot=6.0):
    """Random similarity transform of a batch (torch NCHW images and N1HW masks, on any device) with
    reflection padding for the image and zero padding for the mask. The parameters are drawn on the
    CPU from gen (a torch.Generator), so a seed gives the same transforms on any device."""
    import torch
    import torch.nn.functional as F
    n = x.shape[0]
    r = lambda lo, hi: torch.rand(n, generator=gen) * (hi - lo) + lo
    s = r(*scale)
    a = r(-rot, rot) * math.pi / 180
    tx, ty = r(-shift, shift) * 2, r(-shift, shift) * 2
    # affine_grid maps output coords to input coords: zoom in by s -> sample a window 1/s the size.
    cos, sin = torch.cos(a) / s, torch.sin(a) / s
    theta = torch.stack([torch.stack([cos, -sin, tx], 1), torch.stack([sin, cos, ty], 1)], 1).to(x.device)
    g = F.affine_grid(theta, list(x.shape), align_corners=False)
    xo = F.grid_sample(x, g, mode="bilinear", padding_mode="reflection", align_corners=False)
    mo = F.grid_sample(mask, g, mode="bilinear", padding_mode="zeros", align_corners=False) if mask is not None else None
    return xo, mo
