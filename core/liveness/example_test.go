package liveness_test

import (
	"fmt"

	"github.com/bonafide-pad/bonafide/core/face"
	"github.com/bonafide-pad/bonafide/core/liveness"
	"github.com/bonafide-pad/bonafide/internal/facetest"
	"github.com/bonafide-pad/bonafide/models"
)

// A frame in, a decision out. The frame here is a drawn cartoon face (facetest), so the model
// does not take it for a live person; a camera's RGBA bytes go through face.FrameRGBA the same way.
func Example() {
	c, err := liveness.New(liveness.Config{Model: models.Default, FaceModel: models.BlazeFaceFront})
	if err != nil {
		panic(err)
	}
	picture := facetest.Face(640, 480, 320, 240, 200, 0)
	frame, err := face.FrameRGBA(picture.Pix, 640, 480) // checked once, here
	if err != nil {
		panic(err)
	}
	res, err := c.Analyze(frame)
	if err != nil {
		panic(err)
	}
	fmt.Println("face found:", res.Face != nil)
	fmt.Println("usable frame:", res.Quality.OK)
	fmt.Println("scored:", res.Scored, "live:", res.Live, "threshold:", fmt.Sprintf("%.3f", res.Threshold))
	for _, m := range res.Maps {
		fmt.Printf("spoof map %s: %d values\n", m.Label, len(m.Data))
	}
	// Output:
	// face found: true
	// usable frame: true
	// scored: true live: false threshold: 0.544
	// spoof map 8x8: 64 values
	// spoof map 4x4: 16 values
	// spoof map 2x2: 4 values
}
