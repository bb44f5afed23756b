package face

import (
	"fmt"

	"github.com/bonafide-pad/bonafide/core/errs"
)

// Limits against malformed or hostile input. They are checked before any pixel buffer is allocated,
// so a file that declares a huge size costs nothing but its header.
const (
	// MaxImageSide is the largest width or height accepted, by Decode, FrameRGBA and Detect.
	MaxImageSide = 16384
	// MaxImagePixels bounds width×height (4 bytes each once decoded): 40 MP is a 160 MB RGBA
	// buffer, which still fits a browser's wasm heap; the largest test photo is 14 MP.
	MaxImagePixels = 40_000_000
	// MaxFileBytes bounds what Decode reads from its reader.
	MaxFileBytes = 64 << 20
	// MaxCropPixels bounds the output of a crop (width×height), far above any model input.
	MaxCropPixels = 4096 * 4096
)

// ImageError reports an image or frame that cannot be used: undecodable bytes, an empty frame, a
// pixel buffer whose length does not match its size.
type ImageError struct {
	Op     string // "decode", "frame", "detect", "crop", …
	Reason string
	Err    error // the underlying error, if any
}

func (e *ImageError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("face: %s: %s: %v", e.Op, e.Reason, e.Err)
	}
	return fmt.Sprintf("face: %s: %s", e.Op, e.Reason)
}

func (e *ImageError) Unwrap() error { return e.Err }

// Kind is errs.Frame.
func (e *ImageError) Kind() errs.Kind { return errs.Frame }

// limitErr reports an input over one of the limits above.
func limitErr(op, what string, got, limit int64, detail string) error {
	return &errs.LimitError{Where: "face: " + op, What: what, Got: got, Limit: limit, Detail: detail}
}

// OptionError reports an invalid option or crop spec field. It is returned by constructors and
// Validate, never later.
type OptionError struct {
	Field  string
	Value  any
	Reason string
}

func (e *OptionError) Error() string {
	return fmt.Sprintf("face: invalid %s = %v: %s", e.Field, e.Value, e.Reason)
}

// Kind is errs.Config.
func (e *OptionError) Kind() errs.Kind { return errs.Config }

// cascadeError reports a cascade file that cannot be parsed.
type cascadeError struct {
	Reason string
}

func (e *cascadeError) Error() string { return "face: cascade: " + e.Reason }

// Kind is errs.Model: the cascade is the detector's model.
func (e *cascadeError) Kind() errs.Kind { return errs.Model }

// checkSize validates a declared image size against the limits. Zero-sized images are errors:
// nothing can be detected or cropped in them.
func checkSize(op string, w, h int) error {
	if w > 0 && h > 0 && w <= MaxImageSide && h <= MaxImageSide && int64(w)*int64(h) <= MaxImagePixels {
		return nil // the common case, without formatting anything
	}
	detail := fmt.Sprintf("%d×%d", w, h)
	switch {
	case w <= 0 || h <= 0:
		return &ImageError{Op: op, Reason: "empty image " + detail}
	case w > MaxImageSide:
		return limitErr(op, "width", int64(w), MaxImageSide, detail)
	case h > MaxImageSide:
		return limitErr(op, "height", int64(h), MaxImageSide, detail)
	}
	return limitErr(op, "pixels", int64(w)*int64(h), MaxImagePixels, detail)
}
