package face

import "slices"

// Reason codes of the quality gate. They are stable strings: a page maps them to advice for the
// user ("move closer", "turn on a light") and logs may be compared across versions. Add codes;
// never rename or reuse one. Reasons are reported in the order listed here.
const (
	// NoFace: no face was found. Value 0, Limit 1 (faces wanted).
	NoFace = "no_face"
	// MultipleFaces: more than one face at least QualityOptions.OtherFaceRatio the size of the
	// largest. Value: how many, Limit 1.
	MultipleFaces = "multiple_faces"
	// FaceTooSmall: face side over the frame's shorter side below MinFaceFrac. Advice: move closer.
	FaceTooSmall = "face_too_small"
	// FaceTooLarge: face side over the frame's shorter side above MaxFaceFrac. Advice: move back.
	FaceTooLarge = "face_too_large"
	// FacePartlyOutside: fraction of the face's area, taken with a margin of OutsideMargin around
	// the detected box, that lies outside the frame, above MaxOutside.
	FacePartlyOutside = "face_partly_outside"
	// FaceOffCentre: the face centre's distance from the frame centre, as a fraction of the frame's
	// width or height (the larger), above MaxOffCentre.
	FaceOffCentre = "face_off_centre"
	// TooDark: mean luma (0..255) of the face below MinBrightness.
	TooDark = "too_dark"
	// TooBright: mean luma of the face above MaxBrightness.
	TooBright = "too_bright"
	// Clipped: fraction of face pixels with a saturated channel (≥ 254) above MaxClipped.
	Clipped = "clipped"
	// LowContrast: standard deviation of the face's luma below MinContrast.
	LowContrast = "low_contrast"
	// Blurry: variance of the Laplacian of the face resampled to 64×64 grey, over the variance of
	// that patch (so that darkness and low contrast do not read as blur), below MinSharpness.
	Blurry = "blurry"
	// Rotated: |Face.Angle| in degrees above MaxRoll: the roll of the eye line with BlazeFace.
	Rotated = "rotated"
	// FaceTurned: the head is turned left or right: |Face.Yaw()| above MaxYaw. BlazeFace only
	// (it needs the keypoints). Advice: look at the camera.
	FaceTurned = "face_turned"
	// EyesNotVisible: an eye lies outside the frame, or the patch around an eye keypoint is too
	// flat to hold an eye (sunglasses, a hand, hair): the weaker eye's luma contrast over the
	// face's, below MinEyeContrast. BlazeFace only.
	EyesNotVisible = "eyes_not_visible"
)

var codes = []string{NoFace, MultipleFaces, FaceTooSmall, FaceTooLarge, FacePartlyOutside, FaceOffCentre,
	TooDark, TooBright, Clipped, LowContrast, Blurry, Rotated, FaceTurned, EyesNotVisible}

// Codes returns every reason code in report order.
func Codes() []string { return slices.Clone(codes) }
