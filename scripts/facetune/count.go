package main

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/bonafide-pad/bonafide/core/face"
	"github.com/bonafide-pad/bonafide/internal/facetest"
)

// count prints, per source in ../shared, how many images BlazeFace and pigo find a face in (a
// Markdown table for the README), lists the images each misses, and checks the face-free frames
// that the tests draw (facetest.NoFace).
func count(args []string) error {
	fs := newFlags("count")
	back := fs.Bool("back", false, "BlazeFace's 256×256 back-camera model instead of the front one")
	misses := fs.Bool("misses", false, "list the images each detector misses")
	fs.Parse(args)
	type source struct{ name, glob string }
	sources := []source{
		{"NUAA live", "nuaa-train/live/*/*.jpg"},
		{"NUAA spoof (printed photos)", "nuaa-train/spoof/*/*.jpg"},
	}
	reps, _ := filepath.Glob(filepath.Join(sharedDir(), "data", "replay", "*"))
	for _, r := range reps {
		sources = append(sources, source{"replay " + filepath.Base(r) + " live", filepath.Join("replay", filepath.Base(r), "live", "*.jpg")})
	}
	for _, r := range reps {
		sources = append(sources, source{"replay " + filepath.Base(r) + " spoof (informative)", filepath.Join("replay", filepath.Base(r), "spoof", "*.jpg")})
	}
	sources = append(sources, source{"faces deepface-tests", "faces/deepface-tests/*.jpg"},
		source{"faces face-api-demo", "faces/face-api-demo/*.jpg"})
	model := "front 128×128"
	if *back {
		model = "back 256×256"
	}
	fmt.Printf("| source | images | BlazeFace (%s) | pigo |\n|---|---:|---:|---:|\n", model)
	for _, s := range sources {
		paths := files(s.glob)
		type res struct{ ok, bf, pigo bool }
		rs := parallel(paths, *back, func(d detectors, path string) res {
			img, err := decodeFile(path)
			if err != nil {
				return res{}
			}
			b, err := d.bf.Detect(img)
			if err != nil {
				panic(err)
			}
			p, err := d.pigo.Detect(img)
			if err != nil {
				panic(err)
			}
			return res{true, len(b) > 0, len(p) > 0}
		})
		n, nb, np := 0, 0, 0
		var mb, mp []string
		for i, r := range rs {
			if !r.ok {
				continue // not decodable (one WebP named .jpg): not counted
			}
			n++
			if r.bf {
				nb++
			} else {
				mb = append(mb, short(paths[i]))
			}
			if r.pigo {
				np++
			} else {
				mp = append(mp, short(paths[i]))
			}
		}
		fmt.Printf("| %s | %d | %d (%.2f%%) | %d (%.2f%%) |\n", s.name, n, nb, pct(nb, n), np, pct(np, n))
		if *misses {
			fmt.Printf("  BlazeFace misses: %s\n  pigo misses: %s\n", strings.Join(mb, " "), strings.Join(mp, " "))
		}
	}
	d := newDetectors(*back)
	fb, fp := 0, 0
	for i, name := range facetest.NoFaceScenes {
		img, err := face.NewFrame(facetest.NoFace(i, 640, 480))
		if err != nil {
			return err
		}
		b, _ := d.bf.Detect(img)
		p, _ := d.pigo.Detect(img)
		fb += len(b)
		fp += len(p)
		if len(b)+len(p) > 0 {
			fmt.Printf("  face-free %s: BlazeFace %d, pigo %d boxes\n", name, len(b), len(p))
		}
	}
	fmt.Printf("| face-free frames (facetest.NoFace, 640×480) | %d | %d boxes | %d boxes |\n", len(facetest.NoFaceScenes), fb, fp)
	return nil
}

func pct(a, n int) float64 {
	if n == 0 {
		return 0
	}
	return 100 * float64(a) / float64(n)
}
