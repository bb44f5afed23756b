package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"

	"github.com/bonafide-pad/bonafide/core/face"
	"github.com/bonafide-pad/bonafide/core/liveness"
)

func init() {
	register(command{name: "scan", summary: "score images: decision, score, face, quality and spoof maps as JSON lines", run: runScan})
}

type scanFace struct {
	X     float64 `json:"x"`
	Y     float64 `json:"y"`
	W     float64 `json:"w"`
	H     float64 `json:"h"`
	Score float64 `json:"score"`
	Angle float64 `json:"angle"`
}

// scanCrop is the window of the image the model saw (image pixels): the maps cover it. MapRegion
// says where they carry evidence ("crop", or "face": over the face box only).
type scanCrop struct {
	X         int    `json:"x"`
	Y         int    `json:"y"`
	W         int    `json:"w"`
	H         int    `json:"h"`
	MapRegion string `json:"map_region"`
}

type scanQuality struct {
	OK      bool          `json:"ok"`
	Reasons []face.Reason `json:"reasons"`
}

type scanLine struct {
	Path      string                 `json:"path"`
	Error     string                 `json:"error,omitempty"`
	Live      *bool                  `json:"live,omitempty"`
	Score     *float64               `json:"score,omitempty"`
	Threshold float64                `json:"threshold,omitempty"`
	Face      *scanFace              `json:"face,omitempty"`
	Crop      *scanCrop              `json:"crop,omitempty"`
	Quality   *scanQuality           `json:"quality,omitempty"`
	Maps      map[string][][]float32 `json:"maps,omitempty"`
	MS        float64                `json:"ms,omitempty"`
}

func runScan(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("scan", stderr)
	var mf modelFlags
	mf.register(fs)
	cropped := fs.Bool("cropped", false, "each image is an already-cut face: the model's window is the whole image, no detection or quality gate")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if fs.NArg() == 0 {
		fmt.Fprintln(stderr, "usage: bonafide scan [-model M.onnx] [-threshold T] [-cropped] IMAGE_OR_DIR...")
		return errUsage
	}
	m, p, err := mf.load()
	if err != nil {
		return err
	}
	c, err := mf.checker(m, p)
	if err != nil {
		return err
	}
	inputs, err := expandInputs(fs.Args())
	if err != nil {
		return err
	}
	if len(inputs) == 0 {
		return noInputs(fs.Args())
	}
	files := make([]string, len(inputs))
	for i, in := range inputs {
		files[i] = in.path
	}
	enc := json.NewEncoder(stdout)
	failed := 0
	for _, path := range files {
		line := scanLine{Path: path}
		img, err := readImage(path)
		if err == nil {
			var r *liveness.Result
			var aerr error
			if *cropped {
				r, aerr = c.AnalyzeCropped(img)
			} else {
				r, aerr = c.Analyze(img)
			}
			if aerr != nil {
				err = aerr
			} else {
				live := r.Live
				line.Live, line.Threshold = &live, r.Threshold
				if r.Scored && !math.IsNaN(r.Score) {
					s := r.Score
					line.Score = &s
				}
				if r.Face != nil {
					line.Face = &scanFace{X: r.Face.X, Y: r.Face.Y, W: r.Face.W, H: r.Face.H, Score: r.Face.Score, Angle: r.Face.Angle}
				}
				if w := r.Crop.Window; r.Scored && !w.Empty() {
					region := c.Profile().MapRegion
					if region == "" {
						region = liveness.MapRegionCrop
					}
					line.Crop = &scanCrop{X: w.Min.X, Y: w.Min.Y, W: w.Dx(), H: w.Dy(), MapRegion: region}
				}
				line.Quality = &scanQuality{OK: r.Quality.OK, Reasons: r.Quality.Reasons}
				if line.Quality.Reasons == nil {
					line.Quality.Reasons = []face.Reason{}
				}
				for _, mp := range r.Maps {
					if mp.Data == nil {
						continue
					}
					if line.Maps == nil {
						line.Maps = map[string][][]float32{}
					}
					rows := make([][]float32, mp.H)
					for y := range rows {
						rows[y] = append([]float32(nil), mp.Data[y*mp.W:(y+1)*mp.W]...)
					}
					line.Maps[mp.Label] = rows
				}
				line.MS = float64(r.Timings.Total.Microseconds()) / 1000
			}
		}
		if err != nil {
			line.Error = err.Error()
			failed++
		}
		if err := enc.Encode(line); err != nil {
			return err
		}
	}
	// One rule for every command (main.go): a line with "error" for each image that failed, the
	// others scanned, and exit status 1. scan used to exit 0 unless every image failed.
	if failed > 0 {
		return fmt.Errorf("%d of %d images could not be scanned", failed, len(files))
	}
	return nil
}
