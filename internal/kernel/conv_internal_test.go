package kernel

import "testing"

// TestConvBands checks which tap convolutions run in bands: those whose padded planes of a whole
// image pass planesMax (kerneltest's "bands" cases compare their results with kernelref), with a
// band's planes within planesMax; smaller ones keep one filling per image.
func TestConvBands(t *testing.T) {
	for _, tc := range []struct {
		name  string
		s     ConvShape
		bands bool
	}{
		{"CDCN-PS 196→128 at 256²", ConvShape{N: 1, C: 196, H: 256, W: 256, M: 128, OH: 256, OW: 256, KH: 3, KW: 3, SH: 1, SW: 1, DH: 1, DW: 1, PT: 1, PL: 1, Groups: 1}, true},
		{"CDCN-PS 128→196 at 128²", ConvShape{N: 1, C: 128, H: 128, W: 128, M: 196, OH: 128, OW: 128, KH: 3, KW: 3, SH: 1, SW: 1, DH: 1, DW: 1, PT: 1, PL: 1, Groups: 1}, true},
		{"stride 2 at 300²", ConvShape{N: 1, C: 24, H: 300, W: 300, M: 4, OH: 150, OW: 150, KH: 3, KW: 3, SH: 2, SW: 2, DH: 1, DW: 1, PT: 1, PL: 1, Groups: 1}, true},
		{"CDCN-PS 128→196 at 64² (fits)", ConvShape{N: 1, C: 128, H: 64, W: 64, M: 196, OH: 64, OW: 64, KH: 3, KW: 3, SH: 1, SW: 1, DH: 1, DW: 1, PT: 1, PL: 1, Groups: 1}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := make([]float32, tc.s.M*tc.s.C*tc.s.KH*tc.s.KW)
			c, err := NewConv2D(tc.s, w, nil, Activation{})
			if err != nil {
				t.Fatal(err)
			}
			if !c.tap {
				t.Fatal("not a tap convolution")
			}
			if got := c.band > 0; got != tc.bands {
				t.Fatalf("band = %d, want bands: %v", c.band, tc.bands)
			}
			if c.band > 0 && c.planesLen() > planesMax {
				t.Errorf("a band's planes take %d floats, over planesMax %d", c.planesLen(), planesMax)
			}
		})
	}
}
