package liveness

import (
	"math"

	"github.com/bonafide-pad/bonafide/core/errs"
	"github.com/bonafide-pad/bonafide/core/face"
)

// ErrNoEmbedding is returned by Enroll for models without patch embeddings; its kind is
// errs.Unsupported.
var ErrNoEmbedding error = &errs.UnsupportedError{Where: "liveness",
	Reason: "the model has no patch embeddings (only PatchNet models support reference checks)"}

// MaxEnrolledPatches bounds the reference set.
const MaxEnrolledPatches = 4096

// Enroll adds the patch embeddings of a frame known to show the live person to the reference set
// (PatchNet's few-shot, reference-based mode). Later Results carry ReferenceScore: how closely
// each patch of the new frame matches some enrolled live patch, averaged over patches. It returns
// the number of enrolled patches.
func (c *Checker) Enroll(img *face.Frame) (int, error) {
	if c.b.embedding < 0 {
		return 0, ErrNoEmbedding
	}
	r, err := c.Analyze(img)
	if err != nil {
		return 0, err
	}
	if r.Face == nil {
		return len(c.enrolled), &FrameError{Msg: "no face to enroll"}
	}
	outs, err := c.sess.RunFloat32(c.input) // the crop Analyze just made
	if err != nil {
		return 0, err
	}
	e := outs[c.b.embedding]
	for p := 0; p+c.b.embedDim <= len(e) && len(c.enrolled) < MaxEnrolledPatches; p += c.b.embedDim {
		c.enrolled = append(c.enrolled, append([]float32(nil), e[p:p+c.b.embedDim]...))
	}
	return len(c.enrolled), nil
}

// ClearEnrollment empties the reference set.
func (c *Checker) ClearEnrollment() { c.enrolled = c.enrolled[:0] }

// referenceScore maps the mean over patches of the best cosine similarity to an enrolled patch
// from [−1, 1] to [0, 1]. Embeddings are L2-normalised by the model, so a dot product is the cosine.
func referenceScore(emb []float32, dim int, ref [][]float32) float64 {
	patches := len(emb) / dim
	if patches == 0 {
		return math.NaN()
	}
	var total float64
	for p := 0; p < patches; p++ {
		e := emb[p*dim : (p+1)*dim]
		best := -1.0
		for _, r := range ref {
			var dot float64
			for i, v := range e {
				dot += float64(v) * float64(r[i])
			}
			best = math.Max(best, dot)
		}
		total += best
	}
	return clamp01((total/float64(patches) + 1) / 2)
}

// FrameError reports a frame that cannot be analysed for a reason other than its pixels.
type FrameError struct{ Msg string }

func (e *FrameError) Error() string { return "liveness: " + e.Msg }

// Kind is errs.Frame.
func (e *FrameError) Kind() errs.Kind { return errs.Frame }
