package face

import (
	"errors"
	"math"
	"os"
	"strings"
	"testing"

	"github.com/bonafide-pad/bonafide/internal/facetest"
)

// PigoOptions.Cascade is how the browser's lean build (no embedded cascade) gets pigo's cascade:
// with the facefinder file it must find the synthetic face as the default build does, and a bad
// file must be a *cascadeError from NewPigo, not a panic later.
func TestPigoCascadeOption(t *testing.T) {
	file, err := os.ReadFile("facefinder")
	if err != nil {
		t.Fatal(err)
	}
	d := newDetector(t, PigoOptions{Cascade: file})
	faces, err := d.Detect(mustFrame(facetest.Face(640, 480, 320, 240, 160, 0)))
	if err != nil {
		t.Fatal(err)
	}
	if len(faces) != 1 {
		t.Fatalf("found %d faces with the facefinder file, want 1", len(faces))
	}
	if b := faces[0].Box; math.Abs(b.X+b.W/2-320) > 20 || math.Abs(b.Y+b.H/2-240) > 30 {
		t.Fatalf("face at %+v, want it centred near (320, 240)", b)
	}
	for _, tc := range []struct {
		name string
		in   []byte
	}{
		{"empty", []byte{}},
		{"truncated", file[:len(file)/2]},
		{"zeros", make([]byte, 64)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewPigo(PigoOptions{Cascade: tc.in})
			var ce *cascadeError
			if !errors.As(err, &ce) {
				t.Fatalf("err = %v, want *cascadeError", err)
			}
		})
	}
}

// In builds without an embedded cascade, NewPigo without one says what to pass.
func TestPigoWithoutEmbeddedCascade(t *testing.T) {
	if facefinder != nil {
		t.Skip("this build embeds facefinder (the lean build, tag bonafide_lean, does not; make test-native runs it)")
	}
	_, err := NewPigo(PigoOptions{})
	var ce *cascadeError
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), "PigoOptions.Cascade") {
		t.Fatalf("err = %v, want a *cascadeError naming PigoOptions.Cascade", err)
	}
}
