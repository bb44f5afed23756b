package face

import (
	"encoding/binary"
	"image"
	"math"
	"runtime"
)

// tap is the set of source pixels (relative to the window) that make one output pixel along one
// axis, with their weights. Shrinking averages the area the output pixel covers: every source
// pixel counts by the fraction of it that is covered, so the first and last pixels weigh w0 and
// w1 and those strictly between weigh wm. Enlarging interpolates linearly between the two
// nearest pixel centres (half-pixel centres, as OpenCV's INTER_LINEAR, clamped to the window):
// weights w0 and w1. Equal sizes copy.
type tap struct {
	i0, i1     int32 // source indices [i0, i1)
	w0, w1, wm float32
}

// makeTap returns the tap of output index o when n source pixels map onto m outputs.
func makeTap(o, n, m int) tap {
	s := float64(n) / float64(m)
	if s > 1 {
		a, b := float64(o)*s, float64(o+1)*s
		i0, i1 := int(a), min(n, int(math.Ceil(b)))
		inv := 1 / (b - a)
		t := tap{i0: int32(i0), i1: int32(i1), wm: float32(inv)}
		t.w0 = float32((min(b, float64(i0+1)) - a) * inv)
		t.w1 = float32((b - max(a, float64(i1-1))) * inv)
		return t
	}
	u := (float64(o)+0.5)*s - 0.5
	u = min(max(u, 0), float64(n-1))
	i := int(u)
	f := u - float64(i)
	if i+1 >= n || f == 0 {
		return tap{i0: int32(i), i1: int32(i + 1), w0: 1}
	}
	return tap{i0: int32(i), i1: int32(i + 2), w0: float32(1 - f), w1: float32(f)}
}

// weight is the weight of source index i of t.
func (t *tap) weight(i int32) float32 {
	switch i {
	case t.i0:
		return t.w0
	case t.i1 - 1:
		return t.w1
	}
	return t.wm
}

// maxStackTaps bounds the output width whose horizontal taps are kept on the stack; wider outputs
// (no model has one) recompute them per row.
const maxStackTaps = 512

// sinkKind says how a sink stores resampled pixels.
type sinkKind uint8

const (
	sinkPlanar sinkKind = iota // three planes of (v − mean[c]) × k[c] at f[off[c]+i]: Crop
	sinkNHWC                   // interleaved v/127.5 − 1: BlazeFace's input
	sinkLuma                   // one plane of luma/65536 (0..255): the quality gate's patch
	sinkRGBA8                  // 8-bit RGBA, alpha 255: CropRGBA
)

// sink is where resample and resampleTurned put the output pixels, a row at a time. It is a plain
// struct and not a callback so that the row (on the resampler's stack) does not escape: a closure
// taking a slice made it a heap allocation per call under GOOS=js, and a call per pixel cost a
// fifth of a 128×128 letterbox in Chromium.
type sink struct {
	kind sinkKind
	f    []float32 // sinkPlanar, sinkNHWC, sinkLuma
	u8   []uint8   // sinkRGBA8
	off  [3]int    // sinkPlanar: where the R, G and B planes start in f
	mean [3]float32
	k    [3]float32
}

// put stores the pixels of rgb (R, G, B interleaved, 0..255) at output indices i, i+1, …
func (s *sink) put(i int, rgb []float32) {
	n := len(rgb) / 3
	switch s.kind {
	case sinkPlanar:
		d0, d1, d2 := s.f[s.off[0]+i:s.off[0]+i+n], s.f[s.off[1]+i:s.off[1]+i+n], s.f[s.off[2]+i:s.off[2]+i+n]
		m0, m1, m2 := s.mean[0], s.mean[1], s.mean[2]
		k0, k1, k2 := s.k[0], s.k[1], s.k[2]
		for j := range n {
			q := rgb[3*j : 3*j+3 : 3*j+3]
			d0[j] = (q[0] - m0) * k0
			d1[j] = (q[1] - m1) * k1
			d2[j] = (q[2] - m2) * k2
		}
	case sinkNHWC:
		d := s.f[3*i : 3*i+3*n]
		for j, v := range rgb[:3*n] {
			d[j] = v*(1/127.5) - 1
		}
	case sinkLuma:
		d := s.f[i : i+n]
		for j := range n {
			q := rgb[3*j : 3*j+3 : 3*j+3]
			d[j] = (lumaR*q[0] + lumaG*q[1] + lumaB*q[2]) / 65536
		}
	case sinkRGBA8:
		d := s.u8[4*i : 4*i+4*n]
		for j := range n {
			q := rgb[3*j : 3*j+3 : 3*j+3]
			p := d[4*j : 4*j+4 : 4*j+4]
			p[0], p[1], p[2], p[3] = to8(q[0]), to8(q[1]), to8(q[2]), 255
		}
	}
}

// resample maps the window win of img onto an outW×outH grid and hands the output pixels to out,
// a row (or maxStackTaps pixels) at a time. Window pixels outside the image read as fill. Nothing
// is allocated: the taps and the row live on the stack.
//
// The loops call nothing per source pixel, and out.put once per row: under GOOS=js every call
// costs far more than natively.
func resample(img *image.RGBA, win image.Rectangle, outW, outH int, fill [3]uint8, out *sink) {
	if !resampleBlocks(img, win, outW, outH, fill, out) {
		resampleTaps(img, win, outW, outH, fill, out)
	}
}

// resampleTaps is resample's general path: per output pixel, the taps of each axis.
func resampleTaps(img *image.RGBA, win image.Rectangle, outW, outH int, fill [3]uint8, out *sink) {
	ww, wh := win.Dx(), win.Dy()
	b := img.Rect
	var stackTaps [maxStackTaps]tap
	var xt []tap
	if outW <= maxStackTaps {
		xt = stackTaps[:outW]
		for ox := range xt {
			xt[ox] = makeTap(ox, ww, outW)
		}
	}
	fr, fg, fb := float32(fill[0]), float32(fill[1]), float32(fill[2])
	// The window's columns and rows that lie inside the image. Only those are visited; whatever
	// weight falls outside goes to the fill colour at once, so that a window far larger than the
	// image (BorderFill with a huge box) costs no more than the image.
	inX0, inX1 := int32(b.Min.X-win.Min.X), int32(b.Max.X-win.Min.X)
	inY0, inY1 := int32(b.Min.Y-win.Min.Y), int32(b.Max.Y-win.Min.Y)
	var rowBuf [3 * maxStackTaps]float32
	for oy := range outH {
		yt := makeTap(oy, wh, outH)
		run := 0 // pixels of this row in rowBuf
		for ox := range outW {
			var tx tap
			if xt != nil {
				tx = xt[ox]
			} else {
				tx = makeTap(ox, ww, outW)
			}
			xInside := tx.i0 >= inX0 && tx.i1 <= inX1
			var r, g, bl, wsumY float32
			for iy := max(yt.i0, inY0); iy < min(yt.i1, inY1); iy++ {
				wy := yt.weight(iy)
				wsumY += wy
				row := img.Pix[(win.Min.Y+int(iy)-b.Min.Y)*img.Stride:]
				var rr, rg, rb float32
				if xInside {
					base := 4 * (win.Min.X - b.Min.X)
					p := row[base+4*int(tx.i0) : base+4*int(tx.i0)+3 : base+4*int(tx.i0)+3]
					rr, rg, rb = tx.w0*float32(p[0]), tx.w0*float32(p[1]), tx.w0*float32(p[2])
					if n := tx.i1 - tx.i0; n > 1 {
						q := row[base+4*int(tx.i1-1) : base+4*int(tx.i1-1)+3 : base+4*int(tx.i1-1)+3]
						rr += tx.w1 * float32(q[0])
						rg += tx.w1 * float32(q[1])
						rb += tx.w1 * float32(q[2])
						if n > 2 {
							// Strictly inside an area tap all pixels weigh the same: integer sums
							// (swarSum where the run is short enough for its lanes).
							mid := row[base+4*int(tx.i0+1) : base+4*int(tx.i1-1)]
							var ir, ig, ib uint32
							if swar && len(mid) <= 4*swarPixels {
								// One 4-byte load per pixel, R and B summed in one word (see swar).
								var sRB uint32
								for q := mid; len(q) >= 4; q = q[4:] {
									v := binary.LittleEndian.Uint32(q)
									sRB += v & 0x00ff00ff
									ig += v >> 8 & 0xff
								}
								ir, ib = sRB&0xffff, sRB>>16
							} else {
								for i := 0; i+3 < len(mid); i += 4 {
									ir += uint32(mid[i])
									ig += uint32(mid[i+1])
									ib += uint32(mid[i+2])
								}
							}
							rr += tx.wm * float32(ir)
							rg += tx.wm * float32(ig)
							rb += tx.wm * float32(ib)
						}
					}
				} else {
					var wsumX float32
					for ix := max(tx.i0, inX0); ix < min(tx.i1, inX1); ix++ {
						wx := tx.weight(ix)
						wsumX += wx
						x := win.Min.X + int(ix) - b.Min.X
						p := row[4*x : 4*x+3 : 4*x+3]
						rr += wx * float32(p[0])
						rg += wx * float32(p[1])
						rb += wx * float32(p[2])
					}
					if rest := 1 - wsumX; rest > 0 {
						rr += rest * fr
						rg += rest * fg
						rb += rest * fb
					}
				}
				r += wy * rr
				g += wy * rg
				bl += wy * rb
			}
			if rest := 1 - wsumY; rest > 0 && (yt.i0 < inY0 || yt.i1 > inY1) {
				r += rest * fr
				g += rest * fg
				bl += rest * fb
			}
			q := rowBuf[3*run : 3*run+3 : 3*run+3]
			q[0], q[1], q[2] = r, g, bl
			if run++; run == maxStackTaps || ox == outW-1 {
				out.put(oy*outW+ox+1-run, rowBuf[:3*run])
				run = 0
			}
		}
	}
}

// swar says whether the area averages sum pixels with word loads, several bytes to a lane of one
// integer (SIMD within a register): R and B of a pixel in the low and high 16 bits of a uint32 (or
// two pixels' in the four 16-bit lanes of a uint64), G in its own. That is one load, two masks and
// two adds per pixel (or pair) instead of three byte loads and adds. Under GOARCH=wasm, where each
// byte load and its bounds check cost more, it took the 640×480 letterbox from 1.06–1.10 to
// 0.72–0.74 ms, the 80×80 crop of a 345-pixel window from 1.03–1.05 to 0.82–0.85 and the quality
// patch from 0.53–0.55 to 0.43–0.45 (node, medians of 400 runs of each, interleaved, load 5–6;
// BenchmarkResampleSwar has both side by side); on amd64 the byte loop is as fast or faster, so it
// stays there. The sums are exact either way (TestSwarExact holds the two to the same output bit
// for bit): a variable, not a constant, so that the test can switch it.
var swar = runtime.GOARCH == "wasm"

// swarPixels bounds the pixels whose bytes one 16-bit lane adds: 257 · 255 < 2¹⁶, so no lane
// carries into the next.
const swarPixels = 257

// maxBlock bounds the block side of resampleBlocks (255·k² must fit a uint32; larger shrinks are
// rare enough for the general path).
const maxBlock = 64

// resampleBlocks is resample for a shrink by a whole factor k ≥ 2 in both directions (640×480 or
// 1280×720 into BlazeFace's 128×128 letterbox), where every output pixel averages a k×k block
// with equal weights: the block is summed in integers and scaled once, instead of each source
// row and pixel being weighted in float32 (a third of the time in Chromium). It differs from the
// general path only in float32 rounding (≤ 1e-4 of a 0..255 level). It handles windows whose
// columns lie inside the image and whose rows are inside or outside it block by block (a
// letterbox's black bands); anything else returns false for the general path.
func resampleBlocks(img *image.RGBA, win image.Rectangle, outW, outH int, fill [3]uint8, out *sink) bool {
	ww, wh := win.Dx(), win.Dy()
	if outW < 1 || outH < 1 || outW > maxStackTaps || ww%outW != 0 || wh%outH != 0 || ww/outW != wh/outH {
		return false
	}
	k := ww / outW
	b := img.Rect
	inY0, inY1 := b.Min.Y-win.Min.Y, b.Max.Y-win.Min.Y // the window's rows inside the image
	if k < 2 || k > maxBlock || win.Min.X < b.Min.X || win.Max.X > b.Max.X ||
		(inY0 > 0 && inY0%k != 0) || (inY1 < wh && inY1%k != 0) {
		return false
	}
	inv := 1 / float32(k*k)
	fr, fg, fb := float32(fill[0]), float32(fill[1]), float32(fill[2])
	var rowBuf [3 * maxStackTaps]float32
	row := rowBuf[:3*outW]
	for oy := range outH {
		if y0 := oy * k; y0 < inY0 || y0 >= inY1 {
			for i := 0; i < len(row); i += 3 {
				row[i], row[i+1], row[i+2] = fr, fg, fb
			}
			out.put(oy*outW, row)
			continue
		}
		// The block's rows start at pix, one stride apart; its columns at 4·k·ox.
		pix := img.Pix[(win.Min.Y+oy*k-b.Min.Y)*img.Stride+4*(win.Min.X-b.Min.X):]
		for ox := range outW {
			var ir, ig, ib uint32
			if swar {
				// Block rows of k ≤ maxBlock pixels, two to an 8-byte load (see swar).
				for j := range k {
					p := pix[j*img.Stride+4*k*ox : j*img.Stride+4*k*(ox+1)]
					var rb, g uint64
					for ; len(p) >= 8; p = p[8:] {
						v := binary.LittleEndian.Uint64(p)
						rb += v & 0x00ff00ff00ff00ff
						g += v >> 8 & 0x000000ff000000ff
					}
					if len(p) >= 4 {
						v := uint64(binary.LittleEndian.Uint32(p))
						rb += v & 0x00ff00ff
						g += v >> 8 & 0xff
					}
					ir += uint32(rb&0xffff + rb>>32&0xffff)
					ib += uint32(rb>>16&0xffff + rb>>48)
					ig += uint32(g) + uint32(g>>32)
				}
			} else {
				for j := range k {
					p := pix[j*img.Stride+4*k*ox : j*img.Stride+4*k*(ox+1)]
					for i := 0; i+3 < len(p); i += 4 {
						ir += uint32(p[i])
						ig += uint32(p[i+1])
						ib += uint32(p[i+2])
					}
				}
			}
			q := row[3*ox : 3*ox+3 : 3*ox+3]
			q[0], q[1], q[2] = float32(ir)*inv, float32(ig)*inv, float32(ib)*inv
		}
		out.put(oy*outW, row)
	}
	return true
}

// maxTurnedSamples bounds the samples per output pixel and axis of resampleTurned: a window more
// than this many times the output's size is undersampled rather than made slow.
const maxTurnedSamples = 8

// resampleTurned is resample for a window turned by angle degrees (counter-clockwise on the
// screen) about its centre: output pixel (u, v) reads the frame at the window's centre plus
// (u − W/2, v − H/2) × the window-to-output scale, turned. Shrinking averages an n×n grid of
// bilinear samples over the pixel's footprint (n the scale rounded up), which approximates the
// area average resample computes; points outside the image read as fill. Nothing is allocated.
func resampleTurned(img *image.RGBA, win image.Rectangle, angle float64, outW, outH int, fill [3]uint8, out *sink) {
	b := img.Rect
	sx := float64(win.Dx()) / float64(outW)
	sy := float64(win.Dy()) / float64(outH)
	nx := min(maxTurnedSamples, max(1, int(math.Ceil(sx))))
	ny := min(maxTurnedSamples, max(1, int(math.Ceil(sy))))
	cs, sn := math.Cos(angle*math.Pi/180), math.Sin(angle*math.Pi/180)
	// Pixel centres: frame pixel (x, y) has its centre at (x+0.5, y+0.5).
	cx := float64(win.Min.X) + float64(win.Dx())/2 - float64(b.Min.X) - 0.5
	cy := float64(win.Min.Y) + float64(win.Dy())/2 - float64(b.Min.Y) - 0.5
	w, h := b.Dx(), b.Dy()
	fr, fg, fb := float32(fill[0]), float32(fill[1]), float32(fill[2])
	inv := 1 / float32(nx*ny)
	var rowBuf [3 * maxStackTaps]float32
	for oy := range outH {
		run := 0 // pixels of this row in rowBuf
		for ox := range outW {
			var r, g, bl float32
			for j := range ny {
				dv := (float64(oy) + (float64(j)+0.5)/float64(ny) - float64(outH)/2) * sy
				for i := range nx {
					du := (float64(ox) + (float64(i)+0.5)/float64(nx) - float64(outW)/2) * sx
					x := cx + du*cs + dv*sn
					y := cy - du*sn + dv*cs
					if !(x > -1 && y > -1 && x < float64(w) && y < float64(h)) {
						r += fr
						g += fg
						bl += fb
						continue
					}
					x0, y0 := int(math.Floor(x)), int(math.Floor(y))
					fx, fy := float32(x-float64(x0)), float32(y-float64(y0))
					// Bilinear over the four neighbours; a neighbour outside the image reads fill.
					var pr, pg, pb float32
					for k := range 4 {
						xx, yy := x0+k&1, y0+k>>1
						wgt := (1 - fx) * (1 - fy)
						switch k {
						case 1:
							wgt = fx * (1 - fy)
						case 2:
							wgt = (1 - fx) * fy
						case 3:
							wgt = fx * fy
						}
						if xx < 0 || yy < 0 || xx >= w || yy >= h {
							pr += wgt * fr
							pg += wgt * fg
							pb += wgt * fb
							continue
						}
						p := img.Pix[yy*img.Stride+4*xx : yy*img.Stride+4*xx+3 : yy*img.Stride+4*xx+3]
						pr += wgt * float32(p[0])
						pg += wgt * float32(p[1])
						pb += wgt * float32(p[2])
					}
					r += pr
					g += pg
					bl += pb
				}
			}
			q := rowBuf[3*run : 3*run+3 : 3*run+3]
			q[0], q[1], q[2] = r*inv, g*inv, bl*inv
			if run++; run == maxStackTaps || ox == outW-1 {
				out.put(oy*outW+ox+1-run, rowBuf[:3*run])
				run = 0
			}
		}
	}
}
