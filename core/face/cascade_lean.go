//go:build bonafide_lean

package face

// facefinder is not embedded in the lean (browser) build: the cascade barely compresses
// (239 632 bytes, 233 KB gzip), BlazeFace is the browser's default detector, and a page that asks
// for pigo fetches the file (models/facefinder) and passes it in PigoOptions.Cascade. NewPigo
// without it returns an error (kind errs.Model) that says so.
var facefinder []byte
