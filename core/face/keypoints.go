package face

import "math"

// Point is a position in frame pixels, top-left origin, x to the right, y down.
type Point struct{ X, Y float64 }

// NumKeypoints is the number of landmarks BlazeFace gives for a face.
const NumKeypoints = 6

// Indices into Face.Keypoints, in BlazeFace's order. Right and left are the subject's: on a camera
// image that is not mirrored, the right eye is on the viewer's left.
const (
	RightEye = iota
	LeftEye
	NoseTip
	Mouth
	RightEar // the right ear's tragion
	LeftEar
)

var keypointNames = [NumKeypoints]string{"right_eye", "left_eye", "nose_tip", "mouth", "right_ear", "left_ear"}

// KeypointName returns the stable name of keypoint i ("right_eye", "left_eye", "nose_tip", "mouth",
// "right_ear", "left_ear"), as the JSON of `bonafide detect` and the JS API carry it.
func KeypointName(i int) string {
	if i < 0 || i >= NumKeypoints {
		return ""
	}
	return keypointNames[i]
}

// Keypoints are a face's six landmarks in frame pixels, indexed by RightEye … LeftEar.
type Keypoints [NumKeypoints]Point

// rollFromEyes is the in-plane rotation of the eye line in degrees, positive counter-clockwise on
// the screen (as Face.Angle): with y down, a head tilted towards the viewer's left raises the left
// eye (on the viewer's right) above the right one.
func rollFromEyes(k *Keypoints) float64 {
	dx := k[LeftEye].X - k[RightEye].X
	dy := k[LeftEye].Y - k[RightEye].Y
	return math.Atan2(-dy, dx) * 180 / math.Pi
}

// Yaw estimates how far the head is turned left or right from the keypoints, as a signed fraction
// in [−1, 1]: 0 when the nose tip lies midway between the ear tragions, ±1 when it lies on one of
// them (a profile). It is measured along the eye line, so that it does not depend on roll. Positive
// values mean the nose moved towards the subject's left ear (the viewer's right on an image that is
// not mirrored). It returns 0 for a face without keypoints.
func (f *Face) Yaw() float64 {
	if !f.HasKeypoints {
		return 0
	}
	k := &f.Keypoints
	ux, uy := k[LeftEye].X-k[RightEye].X, k[LeftEye].Y-k[RightEye].Y
	n := math.Hypot(ux, uy)
	if !(n > 0) {
		return 0
	}
	ux, uy = ux/n, uy/n
	along := func(p Point) float64 { return p.X*ux + p.Y*uy }
	r, l, nose := along(k[RightEar]), along(k[LeftEar]), along(k[NoseTip])
	span := l - r
	if !(span > 0) {
		// The ears crossed over: the head is turned (nearly) into profile.
		if nose >= (l+r)/2 {
			return 1
		}
		return -1
	}
	return max(-1, min(1, 2*(nose-r)/span-1))
}
