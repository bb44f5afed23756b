package main

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"image"
	"math"
	"os"
	"path/filepath"

	"github.com/bonafide-pad/bonafide/internal/facetest"
)

// goldenScenes are the synthetic frames the BlazeFace parity goldens are made on, drawn at the
// model's input size with facetest.Face (a cartoon, not a photo of anyone): the front model gets
// one face turned 10°, the back model two faces of different sizes. core/face's parity test
// repeats the positions to check the decoded boxes and keypoints.
var goldenScenes = []struct {
	file  string // golden input file, named after the model
	model string
	size  int
	faces [][4]float64 // cx, cy, side, roll
}{
	{"front128.input.json", "face_detection_front_128x128_barracuda.onnx", 128, [][4]float64{{62, 68, 52, 10}}},
	{"back256.input.json", "face_detection_back_256x256_barracuda.onnx", 256, [][4]float64{{78, 120, 70, 0}, {182, 132, 96, -8}}},
}

// goldens writes the golden-format input files for the BlazeFace parity test into -out; the script
// core/face/testdata/blazeface/make.sh then runs onnxruntime-node on them.
func goldens(args []string) error {
	fs := newFlags("goldens")
	out := fs.String("out", "core/face/testdata/blazeface", "output folder")
	fs.Parse(args)
	for _, s := range goldenScenes {
		img := facetest.Face(s.size, s.size, s.faces[0][0], s.faces[0][1], s.faces[0][2], s.faces[0][3])
		for _, f := range s.faces[1:] {
			other := facetest.Face(s.size, s.size, f[0], f[1], f[2], f[3])
			paste(img, other, f)
		}
		data := make([]byte, 4*s.size*s.size*3)
		for i := range s.size * s.size {
			for c := range 3 {
				v := float32(img.Pix[4*i+c])/127.5 - 1
				binary.LittleEndian.PutUint32(data[4*(3*i+c):], math.Float32bits(v))
			}
		}
		doc := map[string]any{
			"model":       "../../../../models/blazeface/" + s.model,
			"opset":       12,
			"description": fmt.Sprintf("BlazeFace %d×%d on a synthetic frame (facetest.Face: %v as cx, cy, side, roll), RGB as p/127.5−1, NHWC", s.size, s.size, s.faces),
			"tolerance":   map[string]float64{"abs": 1e-4, "rel": 1e-4},
			"inputs": []map[string]any{{"name": "input:0", "shape": []int{1, s.size, s.size, 3}, "dtype": "float32",
				"data": base64.StdEncoding.EncodeToString(data)}},
			"outputs": []any{},
		}
		b, err := json.Marshal(doc)
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(*out, s.file), b, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// paste copies the oval of face f (cx, cy, side, roll) from src into dst.
func paste(dst, src *image.RGBA, f [4]float64) {
	r := int(f[2] * 0.7)
	for y := max(0, int(f[1])-r); y < min(dst.Rect.Dy(), int(f[1])+r); y++ {
		for x := max(0, int(f[0])-r); x < min(dst.Rect.Dx(), int(f[0])+r); x++ {
			if math.Hypot(float64(x)-f[0], float64(y)-f[1]) < f[2]*0.66 {
				copy(dst.Pix[y*dst.Stride+4*x:y*dst.Stride+4*x+4], src.Pix[y*src.Stride+4*x:])
			}
		}
	}
}
