package face

import (
	"fmt"
	"image"
	"math"
	"strconv"
	"strings"
)

// BorderMode says what a crop does where its window leaves the image.
type BorderMode int

const (
	// BorderShift keeps the window inside the image, as Silent-Face-Anti-Spoofing's CropImage
	// does: the scale is first reduced until the window fits, then the window is shifted inside.
	BorderShift BorderMode = iota
	// BorderFill keeps the window where the geometry puts it and paints what lies outside the
	// image with CropSpec.Fill.
	BorderFill
)

var borderNames = [...]string{BorderShift: "shift", BorderFill: "fill"}

func (m BorderMode) String() string {
	if m >= 0 && int(m) < len(borderNames) {
		return borderNames[m]
	}
	return "BorderMode(" + strconv.Itoa(int(m)) + ")"
}

// parseBorderMode parses "shift" or "fill".
func parseBorderMode(s string) (BorderMode, error) {
	for i, n := range borderNames {
		if strings.EqualFold(s, n) {
			return BorderMode(i), nil
		}
	}
	return 0, &OptionError{Field: "border", Value: strconv.Quote(s), Reason: `want "shift" or "fill"`}
}

// ChannelOrder is the order of the colour planes in a crop.
type ChannelOrder int

const (
	RGB ChannelOrder = iota
	BGR              // OpenCV-trained models such as MiniFASNet
)

func (o ChannelOrder) String() string {
	switch o {
	case RGB:
		return "rgb"
	case BGR:
		return "bgr"
	}
	return "ChannelOrder(" + strconv.Itoa(int(o)) + ")"
}

// parseChannelOrder parses "rgb" or "bgr".
func parseChannelOrder(s string) (ChannelOrder, error) {
	switch strings.ToLower(s) {
	case "rgb":
		return RGB, nil
	case "bgr":
		return BGR, nil
	}
	return 0, &OptionError{Field: "order", Value: strconv.Quote(s), Reason: `want "rgb" or "bgr"`}
}

// Named fills for BorderFill.
var namedFills = map[string][3]uint8{
	"black": {0, 0, 0},
	"grey":  {128, 128, 128},
	"gray":  {128, 128, 128},
	"white": {255, 255, 255},
}

// parseFill parses a fill colour: a name (black, grey or gray, white) or "R,G,B" in 0..255.
func parseFill(s string) ([3]uint8, error) {
	if c, ok := namedFills[strings.ToLower(s)]; ok {
		return c, nil
	}
	parts := strings.Split(s, ",")
	var c [3]uint8
	if len(parts) != 3 {
		return c, &OptionError{Field: "fill", Value: strconv.Quote(s), Reason: "want black, grey, white or R,G,B"}
	}
	for i, p := range parts {
		v, err := strconv.ParseUint(strings.TrimSpace(p), 10, 8)
		if err != nil {
			return c, &OptionError{Field: "fill", Value: strconv.Quote(s), Reason: "each of R,G,B must be 0..255"}
		}
		c[i] = uint8(v)
	}
	return c, nil
}

// AlignMode says whether a crop is turned to level the face.
type AlignMode int

const (
	// AlignNone keeps the crop axis-aligned with the frame.
	AlignNone AlignMode = iota
	// AlignRoll turns the crop about its centre by the face's roll (Face.Angle, from the eye line
	// with BlazeFace) so that the eyes are level in the output.
	AlignRoll
)

var alignNames = [...]string{AlignNone: "none", AlignRoll: "roll"}

func (m AlignMode) String() string {
	if m >= 0 && int(m) < len(alignNames) {
		return alignNames[m]
	}
	return "AlignMode(" + strconv.Itoa(int(m)) + ")"
}

// parseAlignMode parses "none" or "roll".
func parseAlignMode(s string) (AlignMode, error) {
	for i, n := range alignNames {
		if strings.EqualFold(s, n) {
			return AlignMode(i), nil
		}
	}
	return 0, &OptionError{Field: "align", Value: strconv.Quote(s), Reason: `want "none" or "roll"`}
}

// CropSpec is everything a model needs from the front end: one crop function serves every model,
// so that training (through `bonafide crop`) and run time share one geometry.
type CropSpec struct {
	Width, Height int // output size in pixels
	// Scale multiplies the (optionally squared) box about its centre.
	Scale float64
	// Square makes the box square (side max(W, H), same centre) before scaling.
	Square bool
	Border BorderMode
	Fill   [3]uint8 // RGB, for BorderFill; also what a turned (AlignRoll) window reads outside the image
	// Align turns the window by the face's roll (AlignRoll) so that the eye line is level. The
	// window's size, scale and border rule are those of the unturned window; it is turned about
	// its centre.
	Align AlignMode
	Order ChannelOrder
	// Mean and Std normalise each channel, in 0..255 pixel units and in Order's channel order:
	// x = (p − Mean[c]) / Std[c]. Raw pixels: Mean 0, Std 1.
	Mean, Std [3]float32
}

// MiniFASNetV2Spec is the crop of Silent-Face-Anti-Spoofing's MiniFASNetV2 (80×80, box ×2.7 with
// the shift rule, BGR, raw 0..255 pixels).
func MiniFASNetV2Spec() CropSpec {
	return CropSpec{Width: 80, Height: 80, Scale: 2.7, Border: BorderShift, Order: BGR, Std: [3]float32{1, 1, 1}}
}

// MaxCropScale bounds CropSpec.Scale.
const MaxCropScale = 16

// Validate reports the first invalid field as an *OptionError.
func (s CropSpec) Validate() error {
	switch {
	case s.Width < 1 || s.Height < 1:
		return &OptionError{Field: "crop size", Value: fmt.Sprintf("%d×%d", s.Width, s.Height), Reason: "must be at least 1×1"}
	case s.Width > MaxImageSide || s.Height > MaxImageSide || int64(s.Width)*int64(s.Height) > MaxCropPixels:
		return &OptionError{Field: "crop size", Value: fmt.Sprintf("%d×%d", s.Width, s.Height),
			Reason: fmt.Sprintf("exceeds MaxCropPixels %d", MaxCropPixels)}
	case !(s.Scale > 0 && s.Scale <= MaxCropScale):
		return &OptionError{Field: "Scale", Value: s.Scale, Reason: fmt.Sprintf("must be in (0, %d]", MaxCropScale)}
	case s.Border != BorderShift && s.Border != BorderFill:
		return &OptionError{Field: "Border", Value: s.Border, Reason: "unknown border mode"}
	case s.Order != RGB && s.Order != BGR:
		return &OptionError{Field: "Order", Value: s.Order, Reason: "unknown channel order"}
	case s.Align != AlignNone && s.Align != AlignRoll:
		return &OptionError{Field: "Align", Value: s.Align, Reason: "unknown align mode"}
	}
	for c := range 3 {
		if m := float64(s.Mean[c]); math.IsNaN(m) || math.IsInf(m, 0) {
			return &OptionError{Field: "Mean", Value: s.Mean, Reason: "must be finite"}
		}
		if v := float64(s.Std[c]); !(v > 0) || math.IsInf(v, 0) {
			return &OptionError{Field: "Std", Value: s.Std, Reason: "must be positive and finite (raw pixels: 1)"}
		}
	}
	return nil
}

// Len is the number of float32 values a crop writes: 3×Height×Width.
func (s CropSpec) Len() int { return 3 * s.Width * s.Height }

// String writes the spec in the form ParseCropSpec reads, which is also how a model's metadata
// carries it.
func (s CropSpec) String() string {
	f := func(v [3]float32) string {
		return strconv.FormatFloat(float64(v[0]), 'g', -1, 32) + "," +
			strconv.FormatFloat(float64(v[1]), 'g', -1, 32) + "," + strconv.FormatFloat(float64(v[2]), 'g', -1, 32)
	}
	text := fmt.Sprintf("size=%dx%d scale=%s square=%t border=%s fill=%d,%d,%d order=%s mean=%s std=%s",
		s.Width, s.Height, strconv.FormatFloat(s.Scale, 'g', -1, 64), s.Square, s.Border,
		s.Fill[0], s.Fill[1], s.Fill[2], s.Order, f(s.Mean), f(s.Std))
	if s.Align != AlignNone {
		// Written only when set, so that the text of every spec made before it existed is unchanged.
		text += " align=" + s.Align.String()
	}
	return text
}

// ParseCropSpec reads space-separated key=value pairs: size=WxH (or N), scale, square, border,
// fill, order, mean=a,b,c, std=a,b,c, align. Missing keys keep these defaults: square=false,
// border=shift, fill=black, order=rgb, mean=0,0,0, std=1,1,1, align=none; size and scale are required. The result is
// validated.
func ParseCropSpec(text string) (CropSpec, error) {
	s := CropSpec{Std: [3]float32{1, 1, 1}}
	var haveSize, haveScale bool
	triple := func(key, v string) ([3]float32, error) {
		var out [3]float32
		parts := strings.Split(v, ",")
		if len(parts) != 3 {
			return out, &OptionError{Field: key, Value: strconv.Quote(v), Reason: "want three comma-separated numbers"}
		}
		for i, p := range parts {
			x, err := strconv.ParseFloat(p, 32)
			if err != nil {
				return out, &OptionError{Field: key, Value: strconv.Quote(v), Reason: "not a number"}
			}
			out[i] = float32(x)
		}
		return out, nil
	}
	for _, kv := range strings.Fields(text) {
		key, v, ok := strings.Cut(kv, "=")
		if !ok {
			return s, &OptionError{Field: "crop spec", Value: strconv.Quote(kv), Reason: "want key=value"}
		}
		var err error
		switch key {
		case "size":
			ws, hs, two := strings.Cut(v, "x")
			if !two {
				hs = ws
			}
			var w, h int
			w, err = strconv.Atoi(ws)
			if err == nil {
				h, err = strconv.Atoi(hs)
			}
			if err != nil {
				return s, &OptionError{Field: "size", Value: strconv.Quote(v), Reason: "want WxH or N"}
			}
			s.Width, s.Height, haveSize = w, h, true
		case "scale":
			s.Scale, err = strconv.ParseFloat(v, 64)
			if err != nil {
				return s, &OptionError{Field: "scale", Value: strconv.Quote(v), Reason: "not a number"}
			}
			haveScale = true
		case "square":
			s.Square, err = strconv.ParseBool(v)
			if err != nil {
				return s, &OptionError{Field: "square", Value: strconv.Quote(v), Reason: "want true or false"}
			}
		case "border":
			s.Border, err = parseBorderMode(v)
		case "fill":
			s.Fill, err = parseFill(v)
		case "order":
			s.Order, err = parseChannelOrder(v)
		case "align":
			s.Align, err = parseAlignMode(v)
		case "mean":
			s.Mean, err = triple("mean", v)
		case "std":
			s.Std, err = triple("std", v)
		default:
			return s, &OptionError{Field: "crop spec", Value: strconv.Quote(key), Reason: "unknown key"}
		}
		if err != nil {
			return s, err
		}
	}
	if !haveSize || !haveScale {
		return s, &OptionError{Field: "crop spec", Value: strconv.Quote(text), Reason: "size and scale are required"}
	}
	return s, s.Validate()
}

// CropInfo says where a crop came from, so that anything computed on the crop (a spoof map, a
// landmark) can be drawn back onto the frame.
type CropInfo struct {
	// Window is the source rectangle, in image coordinates, that was resampled onto the output.
	// With BorderFill it may extend beyond the image.
	Window image.Rectangle
	// Scale is the box scale actually used: CropSpec.Scale, or less where BorderShift had to
	// shrink the window to fit the image.
	Scale float64
	// Width and Height are the output size.
	Width, Height int
	// Angle is the turn of the window about its centre, in degrees counter-clockwise on the
	// screen (AlignRoll: the face's roll); 0 for an axis-aligned crop.
	Angle float64
}

// ToFrame maps a point of the output (continuous pixel coordinates: (0, 0) is the top-left corner
// of the first pixel, (Width, Height) the bottom-right corner of the last) to image coordinates.
func (c CropInfo) ToFrame(u, v float64) (x, y float64) {
	sx := float64(c.Window.Dx()) / float64(c.Width)
	sy := float64(c.Window.Dy()) / float64(c.Height)
	if c.Angle == 0 {
		return float64(c.Window.Min.X) + u*sx, float64(c.Window.Min.Y) + v*sy
	}
	cx := float64(c.Window.Min.X) + float64(c.Window.Dx())/2
	cy := float64(c.Window.Min.Y) + float64(c.Window.Dy())/2
	du, dv := (u-float64(c.Width)/2)*sx, (v-float64(c.Height)/2)*sy
	cs, sn := math.Cos(c.Angle*math.Pi/180), math.Sin(c.Angle*math.Pi/180)
	return cx + du*cs + dv*sn, cy - du*sn + dv*cs
}

// window computes the source rectangle for box in an image with bounds r: the geometry shared by
// Crop and CropRGBA. With BorderShift it follows Silent-Face-Anti-Spoofing's _get_new_box to the
// pixel (including its truncations and its inclusive right and bottom edges), so that a model
// trained on its crops sees the same pixels.
func (s CropSpec) window(r image.Rectangle, box Box) (image.Rectangle, float64, error) {
	if err := s.Validate(); err != nil {
		return image.Rectangle{}, 0, err
	}
	if err := checkSize("crop", r.Dx(), r.Dy()); err != nil {
		return image.Rectangle{}, 0, err
	}
	for _, v := range [...]float64{box.X, box.Y, box.W, box.H} {
		if math.IsNaN(v) || math.IsInf(v, 0) || math.Abs(v) > 4*MaxImageSide {
			return image.Rectangle{}, 0, &ImageError{Op: "crop", Reason: fmt.Sprintf("box %+v is not finite or far outside any image", box)}
		}
	}
	if !(box.W > 0 && box.H > 0) {
		return image.Rectangle{}, 0, &ImageError{Op: "crop", Reason: fmt.Sprintf("box %+v is empty", box)}
	}
	// Work relative to the image's top-left corner.
	cx := box.X + box.W/2 - float64(r.Min.X)
	cy := box.Y + box.H/2 - float64(r.Min.Y)
	bw, bh := box.W, box.H
	if s.Square {
		bw = max(bw, bh)
		bh = bw
	}
	W, H := float64(r.Dx()), float64(r.Dy())
	scale := s.Scale
	var win image.Rectangle
	switch s.Border {
	case BorderShift:
		scale = min((H-1)/bh, (W-1)/bw, scale)
		nw, nh := bw*scale, bh*scale
		x0, y0 := cx-nw/2, cy-nh/2
		x1, y1 := cx+nw/2, cy+nh/2
		if x0 < 0 {
			x1 -= x0
			x0 = 0
		}
		if y0 < 0 {
			y1 -= y0
			y0 = 0
		}
		if x1 > W-1 {
			x0 -= x1 - W + 1
			x1 = W - 1
		}
		if y1 > H-1 {
			y0 -= y1 - H + 1
			y1 = H - 1
		}
		// Python's int() truncates toward zero; the right and bottom edges are inclusive.
		win = image.Rect(int(x0), int(y0), int(x1)+1, int(y1)+1)
	case BorderFill:
		nw, nh := max(1, math.Round(bw*scale)), max(1, math.Round(bh*scale))
		x0 := math.Round(cx - nw/2)
		y0 := math.Round(cy - nh/2)
		win = image.Rect(int(x0), int(y0), int(x0+nw), int(y0+nh))
	}
	return win.Add(r.Min), scale, nil
}

// Crop resamples the spec's window around box into dst, planar (NCHW with N = 1) in the spec's
// channel order, normalised with its mean and std. len(dst) must be spec.Len(). It allocates
// nothing, so that a frame loop can reuse one buffer. The window is axis-aligned whatever
// spec.Align says; CropFace turns it by a face's roll.
func Crop(dst []float32, f *Frame, box Box, spec CropSpec) (CropInfo, error) {
	return crop(dst, f, box, 0, spec)
}

// CropFace is Crop for a detected face: the window is computed on face.Extent() and, with
// spec.Align = AlignRoll, turned by face.Angle so that the eyes are level in the output.
func CropFace(dst []float32, f *Frame, face *Face, spec CropSpec) (CropInfo, error) {
	if face == nil {
		return CropInfo{}, &ImageError{Op: "crop", Reason: "nil face"}
	}
	return crop(dst, f, face.Extent(), face.Angle, spec)
}

func crop(dst []float32, f *Frame, box Box, angle float64, spec CropSpec) (CropInfo, error) {
	img, err := f.pixels("crop")
	if err != nil {
		return CropInfo{}, err
	}
	win, scale, err := spec.window(img.Rect, box)
	if err != nil {
		return CropInfo{}, err
	}
	if len(dst) != spec.Len() {
		return CropInfo{}, &ImageError{Op: "crop", Reason: fmt.Sprintf("destination holds %d values, %dx%dx3 needs %d",
			len(dst), spec.Width, spec.Height, spec.Len())}
	}
	plane := spec.Width * spec.Height
	out := sink{kind: sinkPlanar, f: dst, off: [3]int{0, plane, 2 * plane}, mean: spec.Mean,
		k: [3]float32{1 / spec.Std[0], 1 / spec.Std[1], 1 / spec.Std[2]}}
	if spec.Order == BGR {
		// R goes to the last plane; Mean and Std are in the output's channel order: swap them back
		// to R, G, B.
		out.off[0], out.off[2] = out.off[2], out.off[0]
		out.mean[0], out.mean[2] = out.mean[2], out.mean[0]
		out.k[0], out.k[2] = out.k[2], out.k[0]
	}
	info := CropInfo{Window: win, Scale: scale, Width: spec.Width, Height: spec.Height}
	if info.Angle = alignAngle(spec, angle); info.Angle != 0 {
		resampleTurned(img, win, info.Angle, spec.Width, spec.Height, spec.Fill, &out)
	} else {
		resample(img, win, spec.Width, spec.Height, spec.Fill, &out)
	}
	return info, nil
}

// alignAngle is the turn a crop gets: the roll with AlignRoll (0 when it is not a finite angle
// within a half turn), else 0.
func alignAngle(spec CropSpec, roll float64) float64 {
	if spec.Align != AlignRoll || !(math.Abs(roll) <= 180) {
		return 0
	}
	return roll
}

// CropRGBA is Crop for pictures: the same window and resampling, returned as an 8-bit RGBA image
// (Order, Mean and Std do not apply). The command-line crop and training data go through it.
func CropRGBA(f *Frame, box Box, spec CropSpec) (*image.RGBA, CropInfo, error) {
	return cropRGBA(f, box, 0, spec)
}

// CropFaceRGBA is CropFace for pictures, as CropRGBA is for Crop.
func CropFaceRGBA(f *Frame, face *Face, spec CropSpec) (*image.RGBA, CropInfo, error) {
	if face == nil {
		return nil, CropInfo{}, &ImageError{Op: "crop", Reason: "nil face"}
	}
	return cropRGBA(f, face.Extent(), face.Angle, spec)
}

func cropRGBA(f *Frame, box Box, angle float64, spec CropSpec) (*image.RGBA, CropInfo, error) {
	img, err := f.pixels("crop")
	if err != nil {
		return nil, CropInfo{}, err
	}
	win, scale, err := spec.window(img.Rect, box)
	if err != nil {
		return nil, CropInfo{}, err
	}
	out := image.NewRGBA(image.Rect(0, 0, spec.Width, spec.Height))
	px := sink{kind: sinkRGBA8, u8: out.Pix}
	info := CropInfo{Window: win, Scale: scale, Width: spec.Width, Height: spec.Height}
	if info.Angle = alignAngle(spec, angle); info.Angle != 0 {
		resampleTurned(img, win, info.Angle, spec.Width, spec.Height, spec.Fill, &px)
	} else {
		resample(img, win, spec.Width, spec.Height, spec.Fill, &px)
	}
	return out, info, nil
}

func to8(v float32) uint8 {
	return uint8(min(255, max(0, v+0.5)))
}
