package face

import (
	"fmt"
	"image"
)

// Frame is an RGBA frame that was checked once, when it was made: its size is within MaxImageSide
// and MaxImagePixels and its pixel buffer holds every row at its stride. Detect, Track, Crop and
// the quality gate take a *Frame and read its pixels without checking them again, so a frame costs
// one check however many steps it goes through.
//
// A Frame shares its pixels with the buffer it was made from (no copy): what is written there
// shows in the frame. Its header (rectangle, stride, buffer length) is its own copy, so changing
// the fields of the *image.RGBA it came from cannot undo the check.
type Frame struct {
	rgba image.RGBA
}

// maxCoord bounds the coordinates of a frame's rectangle, so that box arithmetic on them cannot
// overflow; real sub-images sit far inside it.
const maxCoord = 1 << 30

// FrameRGBA wraps raw RGBA bytes (as a browser's ImageData or VideoFrame.copyTo hands them over)
// in a Frame without copying. It checks the length against the size and the limits; errors are
// *ImageError or *errs.LimitError.
func FrameRGBA(pix []byte, width, height int) (*Frame, error) {
	if err := checkSize("frame", width, height); err != nil {
		return nil, err
	}
	if len(pix) != 4*width*height {
		return nil, &ImageError{Op: "frame", Reason: fmt.Sprintf("%d bytes for a %d×%d RGBA frame, want %d",
			len(pix), width, height, 4*width*height)}
	}
	return &Frame{rgba: image.RGBA{Pix: pix, Stride: 4 * width, Rect: image.Rect(0, 0, width, height)}}, nil
}

// NewFrame checks an *image.RGBA (made by image.NewRGBA, a decoder, SubImage, or by hand) and
// returns it as a Frame sharing its pixels. A hand-made value with a short Pix, a bad Stride or a
// rectangle whose size overflows gives an *ImageError or *errs.LimitError, never a panic later.
func NewFrame(img *image.RGBA) (*Frame, error) {
	if err := checkRGBA("frame", img); err != nil {
		return nil, err
	}
	f := &Frame{rgba: *img}
	if img.Rect.Dy() == 1 {
		f.rgba.Stride = 4 * img.Rect.Dx() // one row: no arithmetic ever needs the caller's stride
	}
	return f, nil
}

// Bounds is the frame's rectangle (origin at (0, 0) unless it came from a sub-image).
func (f *Frame) Bounds() image.Rectangle {
	if f == nil {
		return image.Rectangle{} // the operations that read pixels report the nil frame
	}
	return f.rgba.Rect
}

// RGBA returns the frame as an *image.RGBA sharing its pixels, for drawing or encoding it.
func (f *Frame) RGBA() *image.RGBA {
	img := f.rgba
	return &img
}

// checkRGBA validates an *image.RGBA's header against its pixel buffer, without overflow: every
// product is bounded before it is formed.
func checkRGBA(op string, img *image.RGBA) error {
	if img == nil {
		return &ImageError{Op: op, Reason: "nil image"}
	}
	r := img.Rect
	// Max − Min can wrap around for extreme coordinates; compare them before subtracting.
	if r.Min.X > r.Max.X || r.Min.Y > r.Max.Y || r.Min.X < -maxCoord || r.Min.Y < -maxCoord || r.Max.X > maxCoord || r.Max.Y > maxCoord {
		return &ImageError{Op: op, Reason: fmt.Sprintf("rectangle %v is inverted or outside ±2^30", r)}
	}
	w, h := r.Dx(), r.Dy()
	if err := checkSize(op, w, h); err != nil {
		return err
	}
	row := 4 * w // ≤ 4·MaxImageSide
	if img.Stride < row {
		return &ImageError{Op: op, Reason: fmt.Sprintf("stride %d is less than 4×width %d", img.Stride, row)}
	}
	// The last row starts at (h−1)·Stride and needs row bytes: (h−1)·Stride + row ≤ len(Pix),
	// tested as a quotient so that a huge Stride cannot overflow the product.
	if len(img.Pix) < row || (h > 1 && img.Stride > (len(img.Pix)-row)/(h-1)) {
		return &ImageError{Op: op, Reason: fmt.Sprintf("pixel buffer holds %d bytes, too few for %d×%d at stride %d",
			len(img.Pix), w, h, img.Stride)}
	}
	return nil
}

// pixels returns the checked image behind f; a nil *Frame is an *ImageError.
func (f *Frame) pixels(op string) (*image.RGBA, error) {
	if f == nil {
		return nil, &ImageError{Op: op, Reason: "nil frame"}
	}
	return &f.rgba, nil
}
