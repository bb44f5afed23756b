package face

import (
	"fmt"
	"image"
	"math"
	"slices"
)

// Reason is one failed quality check: a code from reasons.go, the measured value and the limit
// it crossed, so that a page can say how far off the user is.
type Reason struct {
	Code  string  `json:"code"`
	Value float64 `json:"value"`
	Limit float64 `json:"limit"`
}

// Quality is the gate's verdict on one frame. OK is true when Reasons is empty.
type Quality struct {
	OK      bool     `json:"ok"`
	Reasons []Reason `json:"reasons"`
}

// Has reports whether q failed with code.
func (q Quality) Has(code string) bool {
	for _, r := range q.Reasons {
		if r.Code == code {
			return true
		}
	}
	return false
}

// Default limits of the quality gate, tuned on ../shared (see the package doc for the
// measurements behind each one).
const (
	DefaultOtherFaceRatio = 0.5
	DefaultMinFaceFrac    = 0.2
	DefaultMaxFaceFrac    = 0.75
	DefaultOutsideMargin  = 1.3
	DefaultMaxOutside     = 0.14
	DefaultMaxOffCentre   = 0.35
	DefaultMinBrightness  = 45
	DefaultMaxBrightness  = 195
	DefaultMaxClipped     = 0.3
	DefaultMinContrast    = 25
	DefaultMinSharpness   = 0.075
	DefaultMaxRoll        = 12
	DefaultMaxYaw         = 0.6
	DefaultMinEyeContrast = 0.09
)

// QualityOptions are the limits of the quality gate. Zero fields take the defaults above.
type QualityOptions struct {
	// OtherFaceRatio: another face counts for multiple_faces when its side is at least this
	// fraction of the main face's (a face far behind the user does not).
	OtherFaceRatio float64
	MinFaceFrac    float64 // face side / shorter frame side
	MaxFaceFrac    float64
	// OutsideMargin scales the detected box (brows to chin) about its centre to the whole head
	// before measuring how much of it is outside the frame.
	OutsideMargin float64
	MaxOutside    float64 // fraction of the margin box's area
	MaxOffCentre  float64 // fraction of the frame's width or height
	MinBrightness float64 // mean luma, 0..255
	MaxBrightness float64
	MaxClipped    float64 // fraction of face pixels
	MinContrast   float64 // standard deviation of luma
	MinSharpness  float64 // variance of the Laplacian over variance of luma, at 64×64
	MaxRoll       float64 // degrees
	// MaxYaw bounds |Face.Yaw()|, the head's left-right turn from the keypoints (0 facing the
	// camera, 1 in profile). BlazeFace only.
	MaxYaw float64
	// MinEyeContrast bounds the weaker eye's luma contrast (standard deviation in a patch of
	// eyePatchFrac × the eye distance around the keypoint) over the face's. BlazeFace only.
	MinEyeContrast float64
	// Skip lists codes not to check (for example FaceOffCentre for still photos).
	Skip []string
}

// Validate reports the first invalid option as an *OptionError.
func (o QualityOptions) Validate() error {
	_, err := o.withDefaults()
	return err
}

// qualityLimits gives each numeric limit's name, default and largest accepted value, in the order
// of the pointers in withDefaults. It is kept apart from those pointers: escape analysis does not
// tell a struct's fields apart, so a name that reaches an error next to a pointer into o would move
// o to the heap, one allocation per analysed frame.
var qualityLimits = [...]struct {
	name     string
	def, max float64
}{
	{"OtherFaceRatio", DefaultOtherFaceRatio, 1},
	{"MinFaceFrac", DefaultMinFaceFrac, 1},
	{"MaxFaceFrac", DefaultMaxFaceFrac, 2},
	{"OutsideMargin", DefaultOutsideMargin, 4},
	{"MaxOutside", DefaultMaxOutside, 1},
	{"MaxOffCentre", DefaultMaxOffCentre, 1},
	{"MinBrightness", DefaultMinBrightness, 255},
	{"MaxBrightness", DefaultMaxBrightness, 255},
	{"MaxClipped", DefaultMaxClipped, 1},
	{"MinContrast", DefaultMinContrast, 128},
	{"MinSharpness", DefaultMinSharpness, 1e6},
	{"MaxRoll", DefaultMaxRoll, 180},
	{"MaxYaw", DefaultMaxYaw, 1},
	{"MinEyeContrast", DefaultMinEyeContrast, 100},
}

func (o QualityOptions) withDefaults() (QualityOptions, error) {
	vals := [len(qualityLimits)]*float64{&o.OtherFaceRatio, &o.MinFaceFrac, &o.MaxFaceFrac, &o.OutsideMargin,
		&o.MaxOutside, &o.MaxOffCentre, &o.MinBrightness, &o.MaxBrightness, &o.MaxClipped, &o.MinContrast,
		&o.MinSharpness, &o.MaxRoll, &o.MaxYaw, &o.MinEyeContrast}
	for i, l := range qualityLimits {
		if *vals[i] == 0 {
			*vals[i] = l.def
		}
		if v := *vals[i]; !(v > 0 && v <= l.max) {
			return o, &OptionError{Field: l.name, Value: v, Reason: "out of range"}
		}
	}
	if o.MinFaceFrac >= o.MaxFaceFrac {
		return o, &OptionError{Field: "MaxFaceFrac", Value: o.MaxFaceFrac, Reason: "must exceed MinFaceFrac"}
	}
	if o.MinBrightness >= o.MaxBrightness {
		return o, &OptionError{Field: "MaxBrightness", Value: o.MaxBrightness, Reason: "must exceed MinBrightness"}
	}
	for _, c := range o.Skip {
		known := false
		for _, k := range codes {
			known = known || c == k
		}
		if !known {
			return o, &OptionError{Field: "Skip", Value: c, Reason: "unknown reason code"}
		}
	}
	return o, nil
}

// Measures are the raw values the gate compares with its limits, for the main face (faces[0]).
type Measures struct {
	Faces      int     // faces that count for multiple_faces, the main one included
	Size       float64 // face side / shorter frame side
	Outside    float64 // fraction of the margin box outside the frame
	OffCentre  float64
	Brightness float64 // mean luma
	Clipped    float64
	Contrast   float64
	Sharpness  float64 // var(Laplacian) / var(luma) of the face at 64×64 grey
	Roll       float64 // |angle|, degrees
	// Yaw (|Face.Yaw()|) and Eyes (the weaker eye's contrast over the face's; 0 for an eye
	// outside the frame) need keypoints: Keypoints says whether they were measured.
	Yaw, Eyes float64
	Keypoints bool
	// Sampled counts the face pixels behind Brightness, Clipped, Contrast and Sharpness; 0 when
	// the face lies (almost) wholly outside the frame, and those values are then not checked.
	Sampled int
}

// sharpSide is the side of the grey patch the Laplacian is taken on: blur is judged relative
// to the face, at about the resolution the models see.
const sharpSide = 64

// statSide bounds the sample grid for brightness, contrast and clipping.
const statSide = 96

// QualityGate is the quality gate with its options validated once, by NewQualityGate. It is
// immutable and safe for concurrent use; a frame loop makes one and checks every frame with it.
type QualityGate struct {
	o QualityOptions
}

// NewQualityGate validates opts (an *OptionError names the first bad one) and fills in defaults.
func NewQualityGate(opts QualityOptions) (*QualityGate, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	return &QualityGate{o: o}, nil
}

// Options returns the gate's options with the defaults filled in.
func (g *QualityGate) Options() QualityOptions {
	o := g.o
	o.Skip = slices.Clone(o.Skip)
	return o
}

// Measure computes the gate's values for faces[0] (the main face: the largest, or the tracked
// one). It needs at least one face.
func (g *QualityGate) Measure(f *Frame, faces []Face) (Measures, error) {
	img, err := f.pixels("quality")
	if err != nil {
		return Measures{}, err
	}
	return measure(img, faces, &g.o)
}

func measure(img *image.RGBA, faces []Face, o *QualityOptions) (Measures, error) {
	if len(faces) == 0 {
		return Measures{}, &ImageError{Op: "quality", Reason: "no face to measure"}
	}
	for i := range faces {
		g := &faces[i]
		if !g.finite() {
			return Measures{}, &ImageError{Op: "quality", Reason: fmt.Sprintf("face %+v is not finite", *g)}
		}
		if e := g.Extent(); !(e.W > 0 && e.H > 0) {
			return Measures{}, &ImageError{Op: "quality", Reason: fmt.Sprintf("face %+v is empty", *g)}
		}
	}
	// Sizes and positions are judged on the whole box (Extent), which may extend past the frame;
	// pixels on the part inside it.
	f := faces[0].Extent()
	r := img.Rect
	W, H := float64(r.Dx()), float64(r.Dy())
	var m Measures
	for i := range faces {
		if faces[i].Extent().W >= o.OtherFaceRatio*f.W {
			m.Faces++
		}
	}
	m.Size = f.W / min(W, H)
	cx, cy := f.Center()
	cx -= float64(r.Min.X)
	cy -= float64(r.Min.Y)
	mw, mh := f.W*o.OutsideMargin, f.H*o.OutsideMargin
	ix := max(0, min(cx+mw/2, W)-max(cx-mw/2, 0))
	iy := max(0, min(cy+mh/2, H)-max(cy-mh/2, 0))
	m.Outside = 1 - ix*iy/(mw*mh)
	m.OffCentre = max(math.Abs(cx-W/2)/W, math.Abs(cy-H/2)/H)
	m.Roll = math.Abs(faces[0].Angle)
	if faces[0].HasKeypoints {
		m.Keypoints = true
		m.Yaw = math.Abs(faces[0].Yaw())
	}

	// The photometric values use the part of the box inside the frame.
	box := image.Rect(int(math.Floor(f.X)), int(math.Floor(f.Y)), int(math.Ceil(f.X+f.W)), int(math.Ceil(f.Y+f.H))).Intersect(r)
	if box.Dx() < 2 || box.Dy() < 2 {
		return m, nil // nothing to look at: partly-outside already says so
	}
	var sum, sum2 float64
	var clipped, n int
	nx, ny := min(statSide, box.Dx()), min(statSide, box.Dy())
	// The sample columns are the same in every row: their byte offsets are worked out once (a
	// division per sample cost more than the sample under wasm).
	var cols [statSide]int
	for i := range nx {
		cols[i] = 4 * (box.Min.X + (2*i+1)*box.Dx()/(2*nx) - r.Min.X)
	}
	for j := range ny {
		y := box.Min.Y + (2*j+1)*box.Dy()/(2*ny)
		row := img.Pix[(y-r.Min.Y)*img.Stride:]
		for _, c := range cols[:nx] {
			p := row[c : c+3 : c+3]
			l := float64(lumaR*uint32(p[0])+lumaG*uint32(p[1])+lumaB*uint32(p[2])) / 65536
			sum += l
			sum2 += l * l
			if max(p[0], p[1], p[2]) >= 254 {
				clipped++
			}
			n++
		}
	}
	m.Sampled = n
	m.Brightness = sum / float64(n)
	m.Contrast = math.Sqrt(max(0, sum2/float64(n)-m.Brightness*m.Brightness))
	m.Clipped = float64(clipped) / float64(n)

	var patch [sharpSide * sharpSide]float32
	resample(img, box, sharpSide, sharpSide, [3]uint8{}, &sink{kind: sinkLuma, f: patch[:]})
	m.Sharpness = sharpness(patch[:], sharpSide)
	if m.Keypoints {
		m.Eyes = eyeContrast(img, &faces[0].Keypoints, m.Contrast)
	}
	return m, nil
}

// sharpness is the variance of the 4-neighbour Laplacian over the interior of a square grey
// patch divided by the patch's own variance (floored at 1). Blur, defocus and motion remove fine
// detail and lower it; dimming or flattening the picture scales both variances alike and does
// not, so that a dark face is reported as too_dark rather than blurry.
func sharpness(p []float32, side int) float64 {
	var lsum, lsum2, sum, sum2 float64
	for y := range side {
		for x := range side {
			i := y*side + x
			v := float64(p[i])
			sum += v
			sum2 += v * v
			if x == 0 || y == 0 || x == side-1 || y == side-1 {
				continue
			}
			l := float64(p[i-side] + p[i+side] + p[i-1] + p[i+1] - 4*p[i])
			lsum += l
			lsum2 += l * l
		}
	}
	n := float64(side * side)
	ni := float64((side - 2) * (side - 2))
	lvar := lsum2/ni - (lsum/ni)*(lsum/ni)
	pvar := sum2/n - (sum/n)*(sum/n)
	return lvar / max(1, pvar)
}

// Check runs the gate on a frame and its faces (as Detect or Track return them: the main face
// first). A frame without a face is a verdict (no_face), not an error; the only error is a nil
// frame.
func (g *QualityGate) Check(f *Frame, faces []Face) (Quality, error) {
	img, err := f.pixels("quality")
	if err != nil {
		return Quality{}, err
	}
	o := &g.o
	var q Quality
	skip := func(code string) bool {
		for _, c := range o.Skip {
			if c == code {
				return true
			}
		}
		return false
	}
	add := func(code string, fail bool, value, limit float64) {
		if fail && !skip(code) {
			q.Reasons = append(q.Reasons, Reason{Code: code, Value: value, Limit: limit})
		}
	}
	if len(faces) == 0 {
		add(NoFace, true, 0, 1)
		q.OK = len(q.Reasons) == 0
		return q, nil
	}
	m, err := measure(img, faces, o)
	if err != nil {
		return Quality{}, err
	}
	add(MultipleFaces, m.Faces > 1, float64(m.Faces), 1)
	add(FaceTooSmall, m.Size < o.MinFaceFrac, m.Size, o.MinFaceFrac)
	add(FaceTooLarge, m.Size > o.MaxFaceFrac, m.Size, o.MaxFaceFrac)
	add(FacePartlyOutside, m.Outside > o.MaxOutside, m.Outside, o.MaxOutside)
	add(FaceOffCentre, m.OffCentre > o.MaxOffCentre, m.OffCentre, o.MaxOffCentre)
	px := m.Sampled > 0
	add(TooDark, px && m.Brightness < o.MinBrightness, m.Brightness, o.MinBrightness)
	add(TooBright, px && m.Brightness > o.MaxBrightness, m.Brightness, o.MaxBrightness)
	add(Clipped, px && m.Clipped > o.MaxClipped, m.Clipped, o.MaxClipped)
	add(LowContrast, px && m.Contrast < o.MinContrast, m.Contrast, o.MinContrast)
	add(Blurry, px && m.Sharpness < o.MinSharpness, m.Sharpness, o.MinSharpness)
	add(Rotated, m.Roll > o.MaxRoll, m.Roll, o.MaxRoll)
	add(FaceTurned, m.Keypoints && m.Yaw > o.MaxYaw, m.Yaw, o.MaxYaw)
	add(EyesNotVisible, m.Keypoints && px && m.Eyes < o.MinEyeContrast, m.Eyes, o.MinEyeContrast)
	q.OK = len(q.Reasons) == 0
	return q, nil
}

// eyePatchFrac is the side of the patch judged around each eye keypoint, as a fraction of the
// distance between the eyes: about the eye opening's width, so that an open eye (dark iris, white
// sclera, lids) fills it and a lens or a hand covers it.
const eyePatchFrac = 0.35

// eyeSamples is the sample grid's side in each eye patch.
const eyeSamples = 12

// eyeContrast is the eye measure of the gate: the smaller of the two eyes' luma standard
// deviations (over an eyeSamples² grid of a square of eyePatchFrac × the eye distance around the
// keypoint) divided by faceContrast. An eye at the frame's edge (the keypoints are held inside
// the frame, so one that was outside sits on the edge) counts as 0. Eyes closer than 4 pixels are
// too small to judge: +Inf.
func eyeContrast(img *image.RGBA, k *Keypoints, faceContrast float64) float64 {
	r := img.Rect
	d := math.Hypot(k[LeftEye].X-k[RightEye].X, k[LeftEye].Y-k[RightEye].Y)
	if !(d >= 4) {
		return math.Inf(1)
	}
	side := eyePatchFrac * d
	worst := math.Inf(1)
	for _, e := range [2]Point{k[RightEye], k[LeftEye]} {
		if e.X <= float64(r.Min.X) || e.Y <= float64(r.Min.Y) || e.X >= float64(r.Max.X) || e.Y >= float64(r.Max.Y) {
			return 0
		}
		var sum, sum2 float64
		n := 0
		for j := range eyeSamples {
			y := int(math.Floor(e.Y + (float64(j)+0.5)/eyeSamples*side - side/2))
			if y < r.Min.Y || y >= r.Max.Y {
				continue
			}
			row := img.Pix[(y-r.Min.Y)*img.Stride:]
			for i := range eyeSamples {
				x := int(math.Floor(e.X + (float64(i)+0.5)/eyeSamples*side - side/2))
				if x < r.Min.X || x >= r.Max.X {
					continue
				}
				p := row[4*(x-r.Min.X) : 4*(x-r.Min.X)+3 : 4*(x-r.Min.X)+3]
				l := float64(lumaR*uint32(p[0])+lumaG*uint32(p[1])+lumaB*uint32(p[2])) / 65536
				sum += l
				sum2 += l * l
				n++
			}
		}
		if n == 0 {
			return 0
		}
		mean := sum / float64(n)
		worst = min(worst, math.Sqrt(max(0, sum2/float64(n)-mean*mean)))
	}
	return worst / max(1, faceContrast)
}
