package face

import (
	"fmt"
	"image"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestTuneQuality prints the measurements behind the default quality limits (the package doc
// quotes them). It reads every NUAA frame and face photo, so it runs only on request:
//
//	BONAFIDE_TUNE=1 go test -run TestTuneQuality -v ./core/face/
func TestTuneQuality(t *testing.T) {
	if os.Getenv("BONAFIDE_TUNE") == "" {
		t.Skip("tuning run: set BONAFIDE_TUNE=1")
	}
	d, err := NewPigo(PigoOptions{})
	if err != nil {
		t.Fatal(err)
	}
	type series map[string][]float64
	collect := func(s series, m measures) {
		s["faces"] = append(s["faces"], float64(m.Faces))
		s["size"] = append(s["size"], m.Size)
		s["outside"] = append(s["outside"], m.Outside)
		s["offcentre"] = append(s["offcentre"], m.OffCentre)
		s["brightness"] = append(s["brightness"], m.Brightness)
		s["clipped"] = append(s["clipped"], m.Clipped)
		s["contrast"] = append(s["contrast"], m.Contrast)
		s["sharpness"] = append(s["sharpness"], m.Sharpness)
		s["roll"] = append(s["roll"], m.Roll)
	}
	report := func(name string, s series, n, found int) {
		fmt.Printf("\n%s: %d images, face found in %d (%.2f%%)\n", name, n, found, 100*float64(found)/float64(n))
		for _, k := range []string{"faces", "size", "outside", "offcentre", "brightness", "clipped", "contrast", "sharpness", "roll"} {
			v := s[k]
			fmt.Printf("  %-10s p0 %8.3f  p0.5 %8.3f  p1 %8.3f  p5 %8.3f  p50 %8.3f  p95 %8.3f  p99 %8.3f  p99.5 %8.3f  p100 %8.3f\n", k,
				percentile(v, 0), percentile(v, 0.5), percentile(v, 1), percentile(v, 5), percentile(v, 50),
				percentile(v, 95), percentile(v, 99), percentile(v, 99.5), percentile(v, 100))
		}
	}
	degraded := map[string]func(*image.RGBA) *image.RGBA{
		"dark×0.25":     func(m *image.RGBA) *image.RGBA { return darken(m, 0.25) },
		"bright+70%":    func(m *image.RGBA) *image.RGBA { return brighten(m, 0.7) },
		"gain×2.5":      func(m *image.RGBA) *image.RGBA { return darken(m, 2.5) },
		"contrast×0.25": func(m *image.RGBA) *image.RGBA { return flatten(m, 0.25) },
		"blur r=4":      func(m *image.RGBA) *image.RGBA { return boxBlur(m, 4) },
		"blur r=2":      func(m *image.RGBA) *image.RGBA { return boxBlur(m, 2) },
		"rotate 25°":    func(m *image.RGBA) *image.RGBA { return rotate(m, 25) },
	}
	degSeries := map[string]series{}
	degFound := map[string]int{}
	all := series{}
	type counts struct {
		n, ok int
		codes map[string]int
	}
	gate := map[string]*counts{}
	tally := func(set string, q Quality) {
		c := gate[set]
		if c == nil {
			c = &counts{codes: map[string]int{}}
			gate[set] = c
		}
		c.n++
		if q.OK {
			c.ok++
		}
		for _, r := range q.Reasons {
			c.codes[r.Code]++
		}
	}
	defer func() {
		fmt.Printf("\nquality gate with default limits:\n")
		for set, c := range gate {
			fmt.Printf("  %-40s %4d frames, %6.2f%% pass;", set, c.n, 100*float64(c.ok)/float64(c.n))
			for _, code := range codes {
				if c.codes[code] > 0 {
					fmt.Printf(" %s %.1f%%", code, 100*float64(c.codes[code])/float64(c.n))
				}
			}
			fmt.Println()
		}
	}()
	allN, allFound := 0, 0
	for _, set := range []struct{ name, glob string }{
		{"NUAA live", "data/nuaa-train/live/*/*.jpg"},
		{"NUAA spoof", "data/nuaa-train/spoof/*/*.jpg"},
		{"face photos", "data/faces/*/*.jpg"},
	} {
		files := globFiles(t, set.glob)
		n := len(files)
		s := series{}
		found := 0
		var missed []string
		for i, f := range files {
			img, err := decodeFile(f)
			if err != nil {
				fmt.Printf("  %s: %v (not counted)\n", filepath.Base(f), err)
				n--
				continue
			}
			faces, err := d.Detect(mustFrame(img))
			if err != nil {
				t.Fatal(err)
			}
			q, err := checkQuality(mustFrame(img), faces, QualityOptions{})
			if err != nil {
				t.Fatal(err)
			}
			tally(set.name, q)
			if strings.HasPrefix(set.name, "NUAA") {
				tally("NUAA live and spoof", q)
			}
			if len(faces) == 0 {
				missed = append(missed, filepath.Base(f))
				continue
			}
			found++
			m, err := measureFace(mustFrame(img), faces, QualityOptions{})
			if err != nil {
				t.Fatal(err)
			}
			collect(s, m)
			if strings.HasPrefix(set.name, "NUAA") {
				collect(all, m)
			}
			if set.name != "NUAA live" || i%25 != 0 {
				continue
			}
			for name, fn := range degraded {
				deg := fn(img)
				df, _ := d.Detect(mustFrame(deg))
				if degSeries[name] == nil {
					degSeries[name] = series{}
				}
				degFound[name+"/n"]++
				if len(df) == 0 {
					// Judge the degradation on the original's box: the gate must still say why.
					df = faces
				} else {
					degFound[name]++
				}
				dm, _ := measureFace(mustFrame(deg), df, QualityOptions{})
				dq, _ := checkQuality(mustFrame(deg), df, QualityOptions{})
				tally("degraded NUAA live ("+name+")", dq)
				collect(degSeries[name], dm)
			}
		}
		report(set.name, s, n, found)
		if strings.HasPrefix(set.name, "NUAA") {
			allN += n
			allFound += found
		}
		if len(missed) > 0 {
			fmt.Printf("  missed: %s\n", strings.Join(missed, " "))
		}
	}
	report("NUAA live and spoof", all, allN, allFound)
	for name, s := range degSeries {
		report("degraded NUAA live ("+name+")", s, degFound[name+"/n"], degFound[name])
	}
}
