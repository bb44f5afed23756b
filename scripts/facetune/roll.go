package main

import (
	"fmt"
	"math"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/bonafide-pad/bonafide/core/face"
	"github.com/bonafide-pad/bonafide/internal/facetest"
)

// roll measures what core/face's package doc reports about roll and tracking:
//
//  1. Roll from the eye line: NUAA live frames (every -every'th) turned by ±10° and ±20° about
//     their centre; the error of the turned frame's roll minus the original's against the turn,
//     for BlazeFace's eye line and for pigo's angle search.
//  2. Jitter along the NUAA live sequences (subject, glasses, position, session; frames in picture
//     order): the RMS second difference (which cancels steady motion) of the crop centre in face
//     sides and of the roll in degrees, per detection and through the Tracker.
func roll(args []string) error {
	fs := newFlags("roll")
	every := fs.Int("every", 10, "turn every Nth NUAA live frame")
	fs.Parse(args)
	all := files("nuaa-train/live/*/*.jpg")
	var paths []string
	for i := 0; i < len(all); i += *every {
		paths = append(paths, all[i])
	}
	type errs struct{ bf, pigo []float64 }
	turns := []float64{-20, -10, 10, 20}
	res := parallel(paths, false, func(d detectors, path string) map[float64][2]float64 {
		img, err := decodeFile(path)
		if err != nil {
			return nil
		}
		b0, _ := d.bf.Detect(img)
		p0, _ := d.pigo.Detect(img)
		if len(b0) == 0 || len(p0) == 0 {
			return nil
		}
		rb, rp := b0[0].Angle, p0[0].Angle
		out := map[float64][2]float64{}
		for _, deg := range turns {
			turned, err := face.NewFrame(facetest.Rotate(img.RGBA(), deg))
			if err != nil {
				panic(err)
			}
			e := [2]float64{math.NaN(), math.NaN()}
			if b, _ := d.bf.Detect(turned); len(b) > 0 {
				e[0] = math.Abs(b[0].Angle - rb - deg)
			}
			if p, _ := d.pigo.Detect(turned); len(p) > 0 {
				e[1] = math.Abs(p[0].Angle - rp - deg)
			}
			out[deg] = e
		}
		return out
	})
	fmt.Printf("1. roll on NUAA live frames turned by ±10° and ±20° (%d frames, every %dth):\n", len(paths), *every)
	for _, deg := range turns {
		var e errs
		nb, np, n := 0, 0, 0
		for _, r := range res {
			if r == nil {
				continue
			}
			n++
			if v := r[deg][0]; !math.IsNaN(v) {
				e.bf = append(e.bf, v)
				nb++
			}
			if v := r[deg][1]; !math.IsNaN(v) {
				e.pigo = append(e.pigo, v)
				np++
			}
		}
		fmt.Printf("  %+4.0f°: found BlazeFace %d/%d, pigo %d/%d; |error| BlazeFace mean %.2f° p90 %.2f°, pigo mean %.2f° p90 %.2f°\n",
			deg, nb, n, np, n, mean(e.bf), percentile(e.bf, 90), mean(e.pigo), percentile(e.pigo, 90))
	}

	// 2. Jitter along sequences.
	groups := map[string][]string{}
	for _, p := range all {
		base := strings.TrimSuffix(filepath.Base(p), ".jpg")
		groups[base[:strings.LastIndexByte(base, '_')]] = append(groups[base[:strings.LastIndexByte(base, '_')]], p)
	}
	keys := make([]string, 0, len(groups))
	for k := range groups {
		sort.Slice(groups[k], func(i, j int) bool { return sequenceNo(groups[k][i]) < sequenceNo(groups[k][j]) })
		keys = append(keys, k)
	}
	sort.Strings(keys)
	type jit struct{ rawC, trC, rawR, trR []float64 }
	js := parallel(keys, false, func(d detectors, key string) jit {
		var j jit
		tr, err := face.NewTracker(d.bf, face.TrackerOptions{})
		if err != nil {
			panic(err)
		}
		var raw, sm []face.Face
		for _, p := range groups[key] {
			img, err := decodeFile(p)
			if err != nil {
				continue
			}
			t, err := tr.TrackAt(img, time.Duration(sequenceNo(p))*time.Second/30)
			if err != nil {
				panic(err)
			}
			var tf face.Face
			if len(t) > 0 {
				tf = t[0]
			}
			b, err := d.bf.Detect(img)
			if err != nil {
				panic(err)
			}
			if len(b) == 0 || len(t) == 0 {
				raw, sm = nil, nil // a gap breaks the sequence
				continue
			}
			raw, sm = append(raw, b[0]), append(sm, tf)
			if n := len(raw); n >= 3 {
				j.rawC = append(j.rawC, centreJitter(raw[n-3:]))
				j.trC = append(j.trC, centreJitter(sm[n-3:]))
				j.rawR = append(j.rawR, math.Abs(raw[n-1].Angle-2*raw[n-2].Angle+raw[n-3].Angle))
				j.trR = append(j.trR, math.Abs(sm[n-1].Angle-2*sm[n-2].Angle+sm[n-3].Angle))
			}
		}
		return j
	})
	var all4 jit
	for _, j := range js {
		all4.rawC = append(all4.rawC, j.rawC...)
		all4.trC = append(all4.trC, j.trC...)
		all4.rawR = append(all4.rawR, j.rawR...)
		all4.trR = append(all4.trR, j.trR...)
	}
	fmt.Printf("2. jitter along %d NUAA live sequences (RMS second difference, %d triples):\n", len(keys), len(all4.rawC))
	fmt.Printf("  crop centre (face sides): BlazeFace per frame %.4f, tracked %.4f\n", rms(all4.rawC), rms(all4.trC))
	fmt.Printf("  roll (degrees):           BlazeFace per frame %.3f, tracked %.3f\n", rms(all4.rawR), rms(all4.trR))
	return nil
}

func mean(v []float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	s := 0.0
	for _, x := range v {
		s += x
	}
	return s / float64(len(v))
}

func rms(v []float64) float64 {
	s := 0.0
	for _, x := range v {
		s += x * x
	}
	return math.Sqrt(s / float64(max(1, len(v))))
}

// centreJitter is |c₃ − 2c₂ + c₁| / side for three consecutive faces.
func centreJitter(f []face.Face) float64 {
	x1, y1 := f[0].Extent().Center()
	x2, y2 := f[1].Extent().Center()
	x3, y3 := f[2].Extent().Center()
	return math.Hypot(x3-2*x2+x1, y3-2*y2+y1) / f[1].Extent().W
}
