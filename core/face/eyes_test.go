package face

import (
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	pigo "github.com/esimov/pigo/core"
)

// TestTuneEyesAndTracking measures what the package doc reports about eye-based roll correction
// (pigo's puploc cascade) and about the tracker's smoothing, on NUAA live sequences. It needs the
// shared data and pigo's module source (for cascade/puploc, which is not embedded), so it runs only
// on request:
//
//	BONAFIDE_TUNE=1 go test -run TestTuneEyesAndTracking -v ./core/face/
func TestTuneEyesAndTracking(t *testing.T) {
	if os.Getenv("BONAFIDE_TUNE") == "" {
		t.Skip("tuning run: set BONAFIDE_TUNE=1")
	}
	plc := loadPuploc(t)
	seqs := nuaaSequences(t, "data/nuaa-train/live/*/*.jpg")
	d, err := NewPigo(PigoOptions{})
	if err != nil {
		t.Fatal(err)
	}

	// 1. Frame-to-frame jitter along each sequence: RMS of the second difference (which cancels
	// steady motion) of the crop centre (in face sides) and of the roll (degrees).
	var jitBox, jitTrack, jitRollPigo, jitRollEyes, repeat []float64
	var eyeTime time.Duration
	eyeRuns := 0
	for _, seq := range seqs {
		tr, _ := NewTracker(d, TrackerOptions{})
		var raw, smooth []Face
		var eyes []float64
		for _, fr := range seq {
			img := loadImage(t, fr.path)
			tf, err := tr.TrackAt(mustFrame(img), time.Duration(fr.no)*time.Second/30)
			if err != nil {
				t.Fatal(err)
			}
			faces, _ := d.Detect(mustFrame(img))
			if len(faces) == 0 || len(tf) == 0 {
				raw, smooth, eyes = nil, nil, nil // a gap breaks the sequence
				continue
			}
			var g workImage
			t0 := time.Now()
			g.load(img, 1)
			roll, ok := eyeRoll(plc, &g, faces[0])
			eyeTime += time.Since(t0)
			eyeRuns++
			if !ok {
				raw, smooth, eyes = nil, nil, nil
				continue
			}
			again, _ := eyeRoll(plc, &g, faces[0]) // same frame, same box: only pigo's randomness differs
			repeat = append(repeat, math.Abs(again-roll))
			raw = append(raw, faces[0])
			smooth = append(smooth, tf[0])
			eyes = append(eyes, roll)
			if n := len(raw); n >= 3 {
				jitBox = append(jitBox, centreJitter(raw[n-3:]))
				jitTrack = append(jitTrack, centreJitter(smooth[n-3:]))
				jitRollPigo = append(jitRollPigo, math.Abs(raw[n-1].Angle-2*raw[n-2].Angle+raw[n-3].Angle))
				jitRollEyes = append(jitRollEyes, math.Abs(eyes[n-1]-2*eyes[n-2]+eyes[n-3]))
			}
		}
	}
	rms := func(v []float64) float64 {
		var s float64
		for _, x := range v {
			s += x * x
		}
		return math.Sqrt(s / float64(len(v)))
	}
	fmt.Printf("NUAA live sequences: %d, %d frame triples\n", len(seqs), len(jitBox))
	fmt.Printf("  crop centre jitter (RMS 2nd difference, face sides): detector %.4f, tracker %.4f\n", rms(jitBox), rms(jitTrack))
	fmt.Printf("  roll jitter (RMS 2nd difference, degrees): pigo angle %.2f, eyes %.2f\n", rms(jitRollPigo), rms(jitRollEyes))
	fmt.Printf("  eyes on the same frame twice: median |Δroll| %.2f°, p95 %.2f°\n", percentile(repeat, 50), percentile(repeat, 95))
	fmt.Printf("  puploc time: %.2f ms per face (two eyes, 63 perturbations each)\n",
		float64(eyeTime.Microseconds())/1000/float64(eyeRuns))

	// 2. Roll estimates on frames turned by a known angle; each estimator's reading at 0° is
	// subtracted so that the subject's own small tilt cancels.
	var errPigo, errEyes, none []float64
	found, total := 0, 0
	for i, seq := range seqs {
		if i%3 != 0 {
			continue
		}
		img := loadImage(t, seq[len(seq)/2].path)
		f0, _ := d.Detect(mustFrame(img))
		if len(f0) == 0 {
			continue
		}
		var g workImage
		g.load(img, 1)
		e0, ok := eyeRoll(plc, &g, f0[0])
		if !ok {
			continue
		}
		for _, deg := range []float64{-20, -10, 10, 20} {
			total++
			rot := rotate(img, deg)
			f, _ := d.Detect(mustFrame(rot))
			if len(f) == 0 {
				continue
			}
			found++
			var gr workImage
			gr.load(rot, 1)
			e, ok := eyeRoll(plc, &gr, f[0])
			if !ok {
				continue
			}
			errPigo = append(errPigo, math.Abs(f[0].Angle-f0[0].Angle-deg))
			errEyes = append(errEyes, math.Abs(e-e0-deg))
			none = append(none, math.Abs(deg))
		}
	}
	fmt.Printf("rotated frames: %d, face found in %d\n", total, found)
	fmt.Printf("  residual roll (mean |error|, degrees): no correction %.1f, pigo angle %.1f (p90 %.1f), eyes %.1f (p90 %.1f)\n",
		mean(none), mean(errPigo), percentile(errPigo, 90), mean(errEyes), percentile(errEyes, 90))
	st, _ := os.Stat(filepath.Join(pigoDir(t), "cascade", "puploc"))
	fmt.Printf("  download: facefinder %d bytes, puploc %d bytes\n", len(facefinder), st.Size())
}

func mean(v []float64) float64 {
	var s float64
	for _, x := range v {
		s += x
	}
	return s / float64(len(v))
}

// centreJitter is |c₃ − 2c₂ + c₁| / side for three consecutive boxes.
func centreJitter(f []Face) float64 {
	x1, y1 := f[0].Center()
	x2, y2 := f[1].Center()
	x3, y3 := f[2].Center()
	return math.Hypot(x3-2*x2+x1, y3-2*y2+y1) / f[1].W
}

type nuaaFrame struct {
	path string
	no   int
}

// nuaaSequences groups NUAA frames by subject, glasses, position and session, ordered by picture
// number (the file name is ID_glasses_position_session_picNo.jpg).
func nuaaSequences(t *testing.T, glob string) [][]nuaaFrame {
	groups := map[string][]nuaaFrame{}
	for _, f := range globFiles(t, glob) {
		base := strings.TrimSuffix(filepath.Base(f), ".jpg")
		i := strings.LastIndexByte(base, '_')
		no, err := strconv.Atoi(base[i+1:])
		if err != nil {
			continue
		}
		groups[base[:i]] = append(groups[base[:i]], nuaaFrame{f, no})
	}
	var keys []string
	for k := range groups {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var out [][]nuaaFrame
	for _, k := range keys {
		g := groups[k]
		sort.Slice(g, func(i, j int) bool { return g[i].no < g[j].no })
		out = append(out, g)
	}
	return out
}

func pigoDir(t *testing.T) string {
	out, err := exec.Command("go", "env", "GOMODCACHE").Output()
	if err != nil {
		t.Skipf("cannot find the module cache: %v", err)
	}
	return filepath.Join(strings.TrimSpace(string(out)), "github.com", "esimov", "pigo@v1.4.6")
}

func loadPuploc(t *testing.T) *pigo.PuplocCascade {
	b, err := os.ReadFile(filepath.Join(pigoDir(t), "cascade", "puploc"))
	if err != nil {
		t.Skipf("pigo's puploc cascade not in the module cache (go mod download github.com/esimov/pigo): %v", err)
	}
	plc, err := pigo.NewPuplocCascade().UnpackCascade(b)
	if err != nil {
		t.Fatal(err)
	}
	return plc
}

// eyeRoll runs puploc for both eyes of f, as pigo's own command does (eye regions at ∓0.175 of
// the side, 0.075 above the centre, scale 0.25), on the detector's full-resolution grey image,
// and returns the roll of the eye line in Face.Angle's convention.
func eyeRoll(plc *pigo.PuplocCascade, g *workImage, f Face) (float64, bool) {
	k := float64(g.k)
	img := pigo.ImageParams{Pixels: g.pix[g.at(0, 0):], Rows: g.h, Cols: g.w, Dim: g.n}
	cx, cy := (f.X+f.W/2)/k, (f.Y+f.H/2)/k
	s := f.W / k
	eye := func(dx float64) *pigo.Puploc {
		return plc.RunDetector(pigo.Puploc{Row: int(cy - 0.075*s), Col: int(cx + dx*s), Scale: float32(0.25 * s), Perturbs: 63},
			img, 0, false)
	}
	l, r := eye(-0.175), eye(0.175)
	if l.Row <= 0 || l.Col <= 0 || r.Row <= 0 || r.Col <= 0 {
		return 0, false
	}
	// Counter-clockwise on screen raises the right-hand eye (smaller row).
	return -math.Atan2(float64(r.Row-l.Row), float64(r.Col-l.Col)) * 180 / math.Pi, true
}
