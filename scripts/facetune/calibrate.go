package main

import (
	"fmt"
	"math"
	"path/filepath"
)

// calibrate compares BlazeFace's face box with pico's on the NUAA training frames where both find
// the same face: the ratio of the sides and the offset of the centres, in BlazeFace sides. With the
// box mapping in core/face (bfBoxScale, bfBoxShift) set to 1 and 0 this prints the raw relation,
// from which they are set; with them set it should print a ratio of 1 and offsets of 0. It also
// places the keypoints in the box, which the package doc and the notes quote.
func calibrate(args []string) error {
	fs := newFlags("calibrate")
	every := fs.Int("every", 1, "use every Nth frame")
	back := fs.Bool("back", false, "the 256×256 back-camera model")
	fs.Parse(args)
	var paths []string
	for _, class := range []string{"live", "spoof"} {
		all := files(filepath.Join("nuaa-train", class, "*", "*.jpg"))
		for i := 0; i < len(all); i += *every {
			paths = append(paths, all[i])
		}
	}
	type rec struct {
		ok                           bool
		ratio, dx, dy                float64
		eyeY, noseY, mouthY, earSpan float64 // keypoints in box units: 0 top / left edge, 1 bottom
		eyeDist                      float64
	}
	recs := parallel(paths, *back, func(d detectors, path string) rec {
		img, err := decodeFile(path)
		if err != nil {
			return rec{}
		}
		bf, err := d.bf.Detect(img)
		if err != nil || len(bf) == 0 {
			return rec{}
		}
		b := bf[0]
		pf, err := d.pigo.Detect(img)
		if err != nil || len(pf) == 0 {
			return rec{}
		}
		be, pe := b.Extent(), pf[0].Extent()
		if iou(be.X, be.Y, be.W, be.H, pe.X, pe.Y, pe.W, pe.H) < 0.3 {
			return rec{}
		}
		bx, by := be.Center()
		px, py := pe.Center()
		k := b.Keypoints
		return rec{ok: true, ratio: pe.W / be.W, dx: (px - bx) / be.W, dy: (py - by) / be.W,
			eyeY:    ((k[0].Y+k[1].Y)/2 - be.Y) / be.H,
			noseY:   (k[2].Y - be.Y) / be.H,
			mouthY:  (k[3].Y - be.Y) / be.H,
			earSpan: math.Hypot(k[5].X-k[4].X, k[5].Y-k[4].Y) / be.W,
			eyeDist: math.Hypot(k[1].X-k[0].X, k[1].Y-k[0].Y) / be.W,
		}
	})
	var ratio, dx, dy, eyeY, noseY, mouthY, ears, eyes []float64
	for _, r := range recs {
		if !r.ok {
			continue
		}
		ratio = append(ratio, r.ratio)
		dx = append(dx, r.dx)
		dy = append(dy, r.dy)
		eyeY = append(eyeY, r.eyeY)
		noseY = append(noseY, r.noseY)
		mouthY = append(mouthY, r.mouthY)
		ears = append(ears, r.earSpan)
		eyes = append(eyes, r.eyeDist)
	}
	fmt.Printf("NUAA frames: %d, both detectors found the same face in %d\n", len(paths), len(ratio))
	fmt.Printf("pico side / BlazeFace side        %s\n", pcts(ratio))
	fmt.Printf("centre x offset (pico − BF) / BF  %s\n", pcts(dx))
	fmt.Printf("centre y offset (pico − BF) / BF  %s\n", pcts(dy))
	fmt.Println("keypoints in BlazeFace's box (0 = top edge, 1 = bottom edge; spans in box widths):")
	fmt.Printf("  eyes' mean y                    %s\n", pcts(eyeY))
	fmt.Printf("  nose tip y                      %s\n", pcts(noseY))
	fmt.Printf("  mouth y                         %s\n", pcts(mouthY))
	fmt.Printf("  ear-to-ear span                 %s\n", pcts(ears))
	fmt.Printf("  eye-to-eye span                 %s\n", pcts(eyes))
	return nil
}

func iou(ax, ay, aw, ah, bx, by, bw, bh float64) float64 {
	ix := max(0, min(ax+aw, bx+bw)-max(ax, bx))
	iy := max(0, min(ay+ah, by+bh)-max(ay, by))
	in := ix * iy
	u := aw*ah + bw*bh - in
	if u <= 0 {
		return 0
	}
	return in / u
}
