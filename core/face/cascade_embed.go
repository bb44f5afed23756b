//go:build !bonafide_lean

package face

import _ "embed"

// facefinder is pico's frontal-face cascade as github.com/esimov/pigo v1.4.6 ships it
// (cascade/facefinder, 239 632 bytes). See FACEFINDER.md for its origin and licence.
//
//go:embed facefinder
var facefinder []byte
