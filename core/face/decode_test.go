package face

import (
	"bytes"
	"encoding/binary"
	"errors"
	"flag"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/bonafide-pad/bonafide/core/errs"
	"github.com/bonafide-pad/bonafide/internal/facetest"
)

var update = flag.Bool("update", false, "rewrite testdata/decode (seeds that Go itself produces)")

// decodeSeeds are small files that exercise the decoder's paths and limits. testdata/decode holds
// them (go test -run TestDecodeSeeds -update writes them) so that FuzzDecode starts from them.
func decodeSeeds(t testing.TB) map[string][]byte {
	seeds := map[string][]byte{}
	enc := func(name string, img image.Image) {
		var b bytes.Buffer
		var err error
		if strings.HasSuffix(name, ".jpg") {
			err = jpeg.Encode(&b, img, &jpeg.Options{Quality: 90})
		} else {
			err = png.Encode(&b, img)
		}
		if err != nil {
			t.Fatal(err)
		}
		seeds[name] = b.Bytes()
	}
	rgba := image.NewRGBA(image.Rect(0, 0, 3, 2))
	for i := range rgba.Pix {
		rgba.Pix[i] = uint8(40 * i)
	}
	for i := 3; i < len(rgba.Pix); i += 4 {
		rgba.Pix[i] = 255
	}
	enc("rgba-3x2.png", rgba)
	gray := image.NewGray(image.Rect(0, 0, 1, 1))
	gray.Pix[0] = 77
	enc("gray-1x1.png", gray)
	pal := image.NewPaletted(image.Rect(0, 0, 4, 4), color.Palette{color.RGBA{255, 0, 0, 255}, color.RGBA{0, 0, 255, 255}})
	pal.Pix[5] = 1
	enc("paletted-4x4.png", pal)
	nrgba := image.NewNRGBA(image.Rect(0, 0, 2, 2))
	nrgba.Pix[0], nrgba.Pix[3] = 200, 128 // half-transparent red
	enc("nrgba-2x2.png", nrgba)
	enc("face-64x48.jpg", facetest.Face(64, 48, 32, 24, 30, 0))
	enc("gray-9x7.jpg", image.NewGray(image.Rect(0, 0, 9, 7)))
	seeds["truncated.jpg"] = seeds["face-64x48.jpg"][:len(seeds["face-64x48.jpg"])/2]
	seeds["truncated.png"] = seeds["rgba-3x2.png"][:40]
	// A PNG whose header declares 100000×100000 pixels and whose data is missing: it must be
	// refused from the header alone.
	seeds["huge-declared.png"] = pngHeader(100000, 100000)
	seeds["wide-declared.png"] = pngHeader(MaxImageSide+1, 1)
	seeds["zero-declared.png"] = pngHeader(0, 0)
	seeds["garbage.bin"] = []byte("GIF89a is not accepted, nor is this")
	return seeds
}

// pngHeader returns the PNG signature and an IHDR chunk (8-bit RGBA) for w×h, with a valid CRC.
func pngHeader(w, h uint32) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 6
	binary.Write(&b, binary.BigEndian, uint32(len(ihdr)))
	chunk := append([]byte("IHDR"), ihdr...)
	b.Write(chunk)
	binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(chunk))
	return b.Bytes()
}

func TestDecodeSeeds(t *testing.T) {
	dir := filepath.Join("testdata", "decode")
	seeds := decodeSeeds(t)
	if *update {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for name, b := range seeds {
			if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	for name, want := range seeds {
		if got, err := os.ReadFile(filepath.Join(dir, name)); err != nil || !bytes.Equal(got, want) {
			t.Errorf("testdata/decode/%s missing or stale (%v): run go test ./core/face -run TestDecodeSeeds -update", name, err)
		}
	}
}

func TestDecode(t *testing.T) {
	seeds := decodeSeeds(t)
	tests := []struct {
		name string
		w, h int
		err  string // "" for success; else a part of the message
		typ  any
	}{
		{"rgba-3x2.png", 3, 2, "", nil},
		{"gray-1x1.png", 1, 1, "", nil},
		{"paletted-4x4.png", 4, 4, "", nil},
		{"nrgba-2x2.png", 2, 2, "", nil},
		{"face-64x48.jpg", 64, 48, "", nil},
		{"gray-9x7.jpg", 9, 7, "", nil},
		{"truncated.jpg", 0, 0, "face: decode: ", &ImageError{}},
		{"truncated.png", 0, 0, "face: decode: ", &ImageError{}},
		{"huge-declared.png", 0, 0, "face: decode: width is 100000, over the limit of 16384 (100000×100000)", &errs.LimitError{}},
		{"wide-declared.png", 0, 0, "width is 16385, over", &errs.LimitError{}},
		{"zero-declared.png", 0, 0, "face: decode: ", &ImageError{}},
		{"garbage.bin", 0, 0, "face: decode: not a JPEG or PNG image", &ImageError{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			img, err := DecodeBytes(seeds[tc.name])
			if tc.err == "" {
				if err != nil {
					t.Fatal(err)
				}
				if img.rgba.Rect != image.Rect(0, 0, tc.w, tc.h) {
					t.Fatalf("bounds %v, want %d×%d", img.rgba.Rect, tc.w, tc.h)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Fatalf("err = %v, want it to contain %q", err, tc.err)
			}
			switch tc.typ.(type) {
			case *ImageError:
				var e *ImageError
				if !errors.As(err, &e) {
					t.Fatalf("err %T, want *ImageError", err)
				}
			case *errs.LimitError:
				var e *errs.LimitError
				if !errors.As(err, &e) {
					t.Fatalf("err %T, want *errs.LimitError", err)
				}
			}
		})
	}
	// Pixel values survive the conversion: PNG is lossless.
	img, _ := DecodeBytes(seeds["rgba-3x2.png"])
	if img.rgba.Pix[4] != 160 || img.rgba.Pix[7] != 255 {
		t.Fatalf("pixel 1 = %v", img.rgba.Pix[4:8])
	}
	img, _ = DecodeBytes(seeds["nrgba-2x2.png"])
	if img.rgba.Pix[0] != 100 || img.rgba.Pix[3] != 128 { // premultiplied
		t.Fatalf("half-transparent red = %v, want premultiplied [100 0 0 128]", img.rgba.Pix[:4])
	}
}

// TestDecodeRefusesBeforeAllocating decodes a header that declares 10 gigapixels: the refusal
// must cost next to nothing.
func TestDecodeRefusesBeforeAllocating(t *testing.T) {
	data := pngHeader(100000, 100000)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range 10 {
		if _, err := DecodeBytes(data); err == nil {
			t.Fatal("accepted")
		}
	}
	runtime.ReadMemStats(&after)
	if per := (after.TotalAlloc - before.TotalAlloc) / 10; per > 64<<10 {
		t.Fatalf("refusing a huge header allocates %d bytes", per)
	}
}

func TestDecodeFileLimit(t *testing.T) {
	if testing.Short() || runtime.GOOS == "js" {
		t.Skip("allocates 64 MiB")
	}
	_, err := DecodeBytes(make([]byte, MaxFileBytes+1))
	var le *errs.LimitError
	if !errors.As(err, &le) || le.What != "file bytes" {
		t.Fatalf("err = %v, want a file-bytes *errs.LimitError", err)
	}
}

func FuzzDecode(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "decode", "*"))
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	// One detector for every input: building one per input made minimisation crawl.
	d := newDetector(f, PigoOptions{})
	f.Fuzz(func(t *testing.T, data []byte) {
		img, err := DecodeBytes(data)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "face: ") {
				t.Fatalf("error without the package prefix: %v", err)
			}
			if k := errs.KindOf(err); k != errs.Frame && k != errs.Limit {
				t.Fatalf("error %v (%T) has kind %v, want frame or limit", err, err, k)
			}
			return
		}
		r := img.rgba.Rect
		if r.Min != (image.Point{}) || r.Dx() <= 0 || r.Dy() <= 0 || r.Dx() > MaxImageSide || len(img.rgba.Pix) != 4*r.Dx()*r.Dy() {
			t.Fatalf("bad image %v with %d bytes", r, len(img.rgba.Pix))
		}
		// Whatever decodes can be searched, gated and cropped without error or panic.
		faces, err := d.Detect(img)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := checkQuality(img, faces, QualityOptions{}); err != nil {
			t.Fatal(err)
		}
		dst := make([]float32, 3*8*8)
		if _, err := Crop(dst, img, Box{0, 0, float64(r.Dx()), float64(r.Dy())}, rawSpec(8, 8, 1.5, BorderShift)); err != nil {
			t.Fatal(err)
		}
	})
}
