package face

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/draw"
	_ "image/jpeg" // the formats Decode accepts
	_ "image/png"
	"io"
)

// Decode reads a JPEG or PNG image and returns it as a Frame with its origin at (0, 0).
// The header is read first and the declared size checked against MaxImageSide and
// MaxImagePixels before any pixel buffer is allocated; at most MaxFileBytes are read. Errors are
// *ImageError or *errs.LimitError.
func Decode(r io.Reader) (f *Frame, err error) {
	lr := &io.LimitedReader{R: r, N: MaxFileBytes + 1}
	var head bytes.Buffer
	cfg, format, err := image.DecodeConfig(io.TeeReader(lr, &head))
	if err != nil {
		return nil, decodeErr(err, lr)
	}
	if err := checkSize("decode", cfg.Width, cfg.Height); err != nil {
		return nil, err
	}
	// The standard decoders do not panic on bad input as far as their fuzzers know; this turns a
	// future regression into an error instead of a crashed page.
	defer func() {
		if p := recover(); p != nil {
			f, err = nil, &ImageError{Op: "decode", Reason: fmt.Sprintf("%s decoder panicked: %v", format, p)}
		}
	}()
	src, _, err := image.Decode(io.MultiReader(&head, lr))
	if err != nil {
		return nil, decodeErr(err, lr)
	}
	b := src.Bounds()
	if b.Dx() != cfg.Width || b.Dy() != cfg.Height {
		return nil, &ImageError{Op: "decode", Reason: fmt.Sprintf("decoded %d×%d, header said %d×%d",
			b.Dx(), b.Dy(), cfg.Width, cfg.Height)}
	}
	if rgba, ok := src.(*image.RGBA); ok && b.Min == (image.Point{}) {
		return NewFrame(rgba)
	}
	dst := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	// draw.Src from an opaque source is a plain conversion; image/draw has fast paths for the
	// YCbCr, Gray and NRGBA images the JPEG and PNG decoders return.
	draw.Draw(dst, dst.Rect, src, b.Min, draw.Src)
	return NewFrame(dst)
}

// DecodeBytes is Decode on an in-memory file.
func DecodeBytes(data []byte) (*Frame, error) {
	if len(data) > MaxFileBytes {
		return nil, limitErr("decode", "file bytes", int64(len(data)), MaxFileBytes, "")
	}
	return Decode(bytes.NewReader(data))
}

func decodeErr(err error, lr *io.LimitedReader) error {
	switch {
	case lr.N <= 0:
		return limitErr("decode", "file bytes", MaxFileBytes+1, MaxFileBytes, "or more")
	case errors.Is(err, image.ErrFormat):
		return &ImageError{Op: "decode", Reason: "not a JPEG or PNG image", Err: err}
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		return &ImageError{Op: "decode", Reason: "truncated image", Err: err}
	}
	return &ImageError{Op: "decode", Reason: "invalid image", Err: err}
}
