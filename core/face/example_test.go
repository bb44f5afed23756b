package face_test

import (
	"fmt"
	"math"

	"github.com/bonafide-pad/bonafide/core/face"
	"github.com/bonafide-pad/bonafide/internal/facetest"
)

func ExampleDetector_Detect() {
	d, err := face.NewPigo(face.PigoOptions{})
	if err != nil {
		panic(err)
	}
	// A cartoon face centred in the frame; FrameRGBA wraps a camera's RGBA bytes the same way.
	frame, err := face.NewFrame(facetest.Face(640, 480, 320, 240, 160, 0))
	if err != nil {
		panic(err)
	}
	faces, err := d.Detect(frame)
	if err != nil {
		panic(err)
	}
	for _, f := range faces {
		x, y := f.Center()
		fmt.Printf("face at (%.0f, %.0f), %.0f px wide, upright: %t\n", x, y, f.W, math.Abs(f.Angle) < 5)
	}
	// Output:
	// face at (320, 239), 188 px wide, upright: true
}

func ExampleCrop() {
	frame, err := face.FrameRGBA(make([]byte, 4*640*480), 640, 480)
	if err != nil {
		panic(err)
	}
	spec := face.MiniFASNetV2Spec()    // 80×80, box ×2.7 kept inside the frame, BGR
	dst := make([]float32, spec.Len()) // one buffer, reused frame after frame
	info, err := face.Crop(dst, frame, face.Box{X: 540, Y: 390, W: 100, H: 100}, spec)
	if err != nil {
		panic(err)
	}
	fmt.Println("window", info.Window, "scale", info.Scale)
	x, y := info.ToFrame(40, 40) // the crop's centre, on the frame
	fmt.Println("centre of the crop on the frame:", x, y)
	// Output:
	// window (369,209)-(640,480) scale 2.7
	// centre of the crop on the frame: 504.5 344.5
}

func ExampleQualityGate_Check() {
	gate, err := face.NewQualityGate(face.QualityOptions{}) // the defaults, validated once
	if err != nil {
		panic(err)
	}
	frame, err := face.NewFrame(facetest.Face(640, 480, 320, 240, 60, 0))
	if err != nil {
		panic(err)
	}
	faces := []face.Face{{Box: face.Box{X: 285, Y: 205, W: 70, H: 70}, Score: 50}}
	q, err := gate.Check(frame, faces)
	if err != nil {
		panic(err)
	}
	fmt.Println("ok:", q.OK)
	for _, r := range q.Reasons {
		fmt.Printf("%s: %.3f (limit %.3f)\n", r.Code, r.Value, r.Limit)
	}
	// Output:
	// ok: false
	// face_too_small: 0.146 (limit 0.200)
}

func ExampleParseCropSpec() {
	// A model's metadata carries its crop as text; train and run time parse the same string.
	spec, err := face.ParseCropSpec("size=128 scale=1.5 square=true border=fill fill=grey")
	if err != nil {
		panic(err)
	}
	fmt.Println(spec.Width, spec.Height, spec.Scale, spec.Square, spec.Border, spec.Fill)
	fmt.Println(spec)
	// Output:
	// 128 128 1.5 true fill [128 128 128]
	// size=128x128 scale=1.5 square=true border=fill fill=128,128,128 order=rgb mean=0,0,0 std=1,1,1
}
