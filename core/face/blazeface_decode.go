package face

import (
	"cmp"
	"math"
	"slices"
)

// BlazeFace's SSD head, as MediaPipe configures it for both face_detection_front (128×128, strides
// 8, 16, 16, 16) and face_detection_back (256×256, strides 16, 32, 32, 32): layers that share a
// stride share a grid, so there are two grids, 16×16 cells with 2 anchors each and 8×8 cells with
// 6 anchors each, 896 anchors in all. The anchors have a fixed size (fixed_anchor_size: their width
// and height are 1) and sit at the cell centres (anchor_offset 0.5), so in input-normalised units
// an anchor is just its cell's centre, and the same list serves both models.
const (
	bfGrid1, bfPerCell1 = 16, 2
	bfGrid2, bfPerCell2 = 8, 6
	bfAnchors1          = bfGrid1 * bfGrid1 * bfPerCell1 // 512
	bfAnchors2          = bfGrid2 * bfGrid2 * bfPerCell2 // 384
	bfCoords            = 16                             // x, y, w, h, then 6 keypoints (x, y)
	// bfScoreClip is MediaPipe's score_clipping_thresh: logits are clamped before the sigmoid.
	bfScoreClip = 100
)

// bfCandidate is one anchor's decoded output, in input-normalised units (0..1 across the model's
// input square).
type bfCandidate struct {
	score                  float32
	xmin, ymin, xmax, ymax float32
	kp                     [2 * NumKeypoints]float32
}

// bfMaxExtent bounds a decoded box's width and height (in input widths). A real face is at most
// about 1; the bound keeps hostile or broken outputs from producing boxes whose arithmetic
// overflows further down.
const bfMaxExtent = 4

// bfDecode appends to dst the anchors of one grid whose score reaches minScore. scores holds one
// logit per anchor and boxes bfCoords values per anchor, raw from the model, in the order MediaPipe
// writes them (row-major cells, anchors within a cell); size is the input side in pixels, which is
// the scale of the raw offsets (x_scale = y_scale = w_scale = h_scale = input size). Anchors whose
// outputs are not finite or whose box is empty or absurd are dropped.
func bfDecode(dst []bfCandidate, scores, boxes []float32, grid, perCell int, size, minScore float32) []bfCandidate {
	n := grid * grid * perCell
	if len(scores) < n || len(boxes) < n*bfCoords {
		return dst // the caller checked the shapes; this only keeps a mismatch from panicking
	}
	inv := 1 / size
	minLogit := float32(math.Inf(-1))
	if minScore > 0 && minScore < 1 {
		minLogit = float32(math.Log(float64(minScore) / (1 - float64(minScore)))) // sigmoid⁻¹
	}
	for i := range n {
		logit := scores[i]
		if !(logit >= minLogit) { // also drops NaN
			continue
		}
		logit = min(bfScoreClip, max(-bfScoreClip, logit))
		score := float32(1 / (1 + math.Exp(-float64(logit))))
		if score < minScore {
			continue
		}
		cell := i / perCell
		ax := (float32(cell%grid) + 0.5) / float32(grid)
		ay := (float32(cell/grid) + 0.5) / float32(grid)
		b := boxes[i*bfCoords : (i+1)*bfCoords : (i+1)*bfCoords]
		ok := true
		for _, v := range b {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) || math.Abs(float64(v)) > 1e6 {
				ok = false
				break
			}
		}
		if !ok {
			continue
		}
		cx, cy := ax+b[0]*inv, ay+b[1]*inv
		w, h := b[2]*inv, b[3]*inv
		if !(w > 0 && h > 0 && w <= bfMaxExtent && h <= bfMaxExtent) || math.Abs(float64(cx-0.5)) > bfMaxExtent || math.Abs(float64(cy-0.5)) > bfMaxExtent {
			continue
		}
		c := bfCandidate{score: score, xmin: cx - w/2, ymin: cy - h/2, xmax: cx + w/2, ymax: cy + h/2}
		for k := range NumKeypoints {
			c.kp[2*k] = ax + b[4+2*k]*inv
			c.kp[2*k+1] = ay + b[5+2*k]*inv
		}
		dst = append(dst, c)
	}
	return dst
}

func bfIoU(a, b *bfCandidate) float32 {
	ix := min(a.xmax, b.xmax) - max(a.xmin, b.xmin)
	iy := min(a.ymax, b.ymax) - max(a.ymin, b.ymin)
	if ix <= 0 || iy <= 0 {
		return 0
	}
	inter := ix * iy
	u := (a.xmax-a.xmin)*(a.ymax-a.ymin) + (b.xmax-b.xmin)*(b.ymax-b.ymin) - inter
	if !(u > 0) {
		return 0
	}
	return inter / u
}

// bfMaxCandidates bounds the anchors that take part in suppression: the best ones by score. A real
// frame has a few dozen above the threshold; a hostile one could have all 896, and suppression is
// quadratic.
const bfMaxCandidates = 256

// bfWeightedNMS is MediaPipe's weighted non-maximum suppression (NonMaxSuppressionCalculator,
// algorithm WEIGHTED, overlap INTERSECTION_OVER_UNION): candidates are taken by falling score; the
// best remaining one and every remaining one that overlaps it by more than iou form a cluster, which
// becomes one detection whose box and keypoints are the score-weighted means of the cluster's and
// whose score is the best one's. It appends at most maxOut detections to dst, best first; cands is
// reordered and used as scratch.
func bfWeightedNMS(dst, cands []bfCandidate, iou float32, maxOut int) []bfCandidate {
	slices.SortFunc(cands, func(a, b bfCandidate) int { return cmp.Compare(b.score, a.score) })
	if len(cands) > bfMaxCandidates {
		cands = cands[:bfMaxCandidates]
	}
	// Taken candidates get score −1 (real scores are in [0, 1]).
	for i := range cands {
		if len(dst) >= maxOut {
			break
		}
		top := &cands[i]
		if top.score < 0 {
			continue
		}
		out := bfCandidate{score: top.score}
		var wsum float32
		for j := i; j < len(cands); j++ {
			c := &cands[j]
			if c.score < 0 || (j != i && bfIoU(top, c) <= iou) {
				continue
			}
			w := c.score
			wsum += w
			out.xmin += w * c.xmin
			out.ymin += w * c.ymin
			out.xmax += w * c.xmax
			out.ymax += w * c.ymax
			for k := range out.kp {
				out.kp[k] += w * c.kp[k]
			}
			if j != i {
				c.score = -1
			}
		}
		top.score = -1
		if !(wsum > 0) {
			continue // scores of 0 (a threshold of 0 lets them through): nothing to weigh by
		}
		inv := 1 / wsum
		out.xmin *= inv
		out.ymin *= inv
		out.xmax *= inv
		out.ymax *= inv
		for k := range out.kp {
			out.kp[k] *= inv
		}
		dst = append(dst, out)
	}
	return dst
}
