// Package face is bonafide's front end: it finds the face in a camera frame, frames it the same
// way for every model at training and at run time, and tells the user what to fix when a frame is
// not usable. Pure Go; it runs natively and under GOOS=js GOARCH=wasm.
//
// # Frames
//
// A [Frame] is checked once, where it enters: [FrameRGBA] (raw RGBA bytes from a camera),
// [NewFrame] (an *image.RGBA, hand-made ones included) or [Decode] (a JPEG or PNG file). Its size
// must be within MaxImageSide and MaxImagePixels and its pixel buffer must hold every row at its
// stride, or the error is an *ImageError (kind frame) or an *errs.LimitError. Everything below
// takes a *Frame and reads its pixels without checking them again.
//
// # Detection
//
// Two detectors implement [Detector]. [BlazeFace], the default, runs MediaPipe's BlazeFace
// short-range model (models/blazeface: the 128×128 front-camera file, or the 256×256 back-camera
// one for smaller faces) on bonafide's own engine through core/model, the public engine API
// (core/face imports nothing under internal/). The frame is letterboxed straight into the model's
// input buffer (the longer side scaled to the input, area-averaged; black padding, as MediaPipe
// pads), the 896 anchors (16×16 cells × 2 and 8×8 × 6, fixed size, at the cell centres) are
// decoded with sigmoid scores, boxes and six keypoints, and MediaPipe's weighted non-maximum
// suppression merges them; then they are mapped back to frame pixels. Roll comes from the eye line.
// Nothing is allocated per frame.
//
// Every detector returns the same face box: a square in pico's geometry, forehead to chin, which
// every model's crop spec was defined on. BlazeFace's own box (brows to chin, square) is scaled by
// 1.22 and moved up by 0.135 of the new side, the medians measured on NUAA frames where both
// detectors found the face (see bfBoxScale). [Face].Box is cut to the frame; [Face].Full is the whole
// square, which the quality gate and the crop use.
//
// [Pigo] runs pico's frontal-face cascade through github.com/esimov/pigo (v1.4.6; the cascade
// file is embedded, see FACEFINDER.md): the detector before BlazeFace, still selectable. Frames of
// any size from 160×120 up (limits: MaxImageSide, MaxImagePixels) are shrunk by an integer factor so
// that the smallest face searched is 24 work pixels: the cost depends on frame size over face size.
// An upright pass scans the frame; the rotated passes (pigo's 11.25° steps, ±22.5° for the default
// MaxAngle of 20°) then run only around the faces found, which gives each face a roll ([Face].Angle,
// degrees, positive counter-clockwise on the screen). A frame with no upright face takes the slow
// path: upright over the frame and a border that repeats its edges (so that a face partly outside
// the frame is still found, and the gate can say face_partly_outside rather than no_face), and
// every angle over the frame. Two pigo defects are worked around: its Unpack indexes without bounds
// checks (the cascade is validated first, see parseCascade), and its rotated classifier clamps
// columns to Rows−1, which hides tilted faces on the right of landscape frames (the work image is
// a square buffer).
//
// [Tracker] follows the main face through video: it searches around the last box
// ([Detector].DetectNear: BlazeFace runs the model on a square of Region face sides around it,
// resampled to the model's input; pigo searches that square at all angles, sizes ×/÷ SizeRange),
// falls back to a full detection when the face is lost, re-detects the whole frame every 15 frames
// so that a second person is noticed, and smooths the box with a One Euro filter (Casiez et al., CHI
// 2012) driven by the frames' timestamps ([Tracker].TrackAt).
//
// Detectors and Trackers reuse their buffers and are not safe for concurrent use: one per goroutine.
// Creating one is cheap (pigo's cascade is parsed once per process and shared read-only; BlazeFace
// detectors can share one loaded model, see [NewBlazeFaceModel]). [Crop],
// [CropRGBA], [QualityGate] and [Decode] are safe for concurrent use.
//
// # Crop
//
// One function serves every model. A [CropSpec], which a model's metadata carries as text
// ([ParseCropSpec], [CropSpec.String]), gives the output size, the box scale and whether the box
// is made square first, the border rule, the channel order and the normalisation
// x = (p − Mean)/Std in 0..255 pixel units. [BorderShift] is Silent-Face-Anti-Spoofing's rule
// (shrink the scale until the window fits, then shift it inside; integer corners, inclusive right
// and bottom edges, as its _get_new_box); [BorderFill] keeps the window and paints outside the
// frame with a named fill. Resampling averages areas when shrinking and interpolates bilinearly
// (half-pixel centres) when enlarging, per axis; never nearest-neighbour. [Crop] writes NCHW
// float32 into the caller's buffer and allocates nothing; [CropRGBA] gives the same pixels as an
// image for `bonafide crop` and training data; [CropInfo.ToFrame] maps crop coordinates (a spoof
// map) back onto the frame. MiniFASNetV2: [MiniFASNetV2Spec] (80×80, ×2.7, shift, BGR, raw).
// Ours: a square of 1.5× the box.
//
// # Quality gate
//
// [NewQualityGate] validates the limits once; [QualityGate.Check] then returns stable reason codes
// with the measured value and the limit, in this order (reasons.go holds the constants; [Codes] lists them):
//
//	code                  measured value (main face = faces[0])              default limit
//	no_face               faces found (0)                                    1
//	multiple_faces        faces at least half the main face's side           1
//	face_too_small        face side / frame's shorter side                   < 0.2
//	face_too_large        face side / frame's shorter side                   > 0.75
//	face_partly_outside   area of box×1.3 outside the frame (fraction)       > 0.14
//	face_off_centre       centre offset / frame width or height (larger)     > 0.35
//	too_dark              mean luma of the face (0..255)                     < 45
//	too_bright            mean luma of the face                              > 195
//	clipped               fraction of face pixels with a channel ≥ 254       > 0.3
//	low_contrast          standard deviation of the face's luma              < 25
//	blurry                var(Laplacian)/var(luma) of the face at 64×64      < 0.075
//	rotated               |roll| in degrees                                  > 12
//
// # Tuning notes
//
// The limits were set on ../shared with BONAFIDE_TUNE=1 go test -run TestTuneQuality -v
// ./core/face/ (tune_test.go): every NUAA training frame (1743 live and 1748 printed-photo
// attacks, 640×480 webcam frames), 69 face photos (deepface test images and face-api demo
// photos; one WebP file that Decode refuses), and 70 NUAA live frames degraded on purpose. Each
// limit lies outside the 0.5th–99.5th percentile of the real frames (NUAA live and spoof
// together) and inside the range of the frames degraded to fail it:
//
//	measure      NUAA p0.5  p50    p99.5  p100   degraded (p50 / p100 or p0)
//	size         0.221      0.463  0.697  0.800  —
//	outside      0          0      0.132  0.339  —
//	off-centre   0.008      0.078  0.341  0.410  —
//	brightness   59.7       115.7  171.6  201.0  ×0.25: p50 24.2, p100 39.1; +70% to white: p0 194.6, p50 207
//	clipped      0          0.013  0.234  0.443  gain ×2.5: p50 0.434
//	contrast     34.0       60.9   85.3   88.6   contrast ×0.25: p50 16.5, p100 21.5
//	sharpness    0.077      0.255  0.532  0.739  box blur r=4 (twice): p50 0.026, p100 0.073; r=2: p50 0.091
//	roll (°)     0.0        2.3    10.1   15.4   frames turned 25°: p50 17.9
//
// With the defaults, 99.89% of NUAA live frames pass and 96.74% of the spoof frames (98.31%
// together; the prints are more often small, large, partly outside or soft); 86.96% of the face
// photos pass (group photos: multiple_faces, face_too_small). The degraded frames fail with the intended code:
// darkened 100% too_dark, whitened 98.6% too_bright, flattened 100% low_contrast, blurred (r=4)
// 100% blurry and (r=2) 30%, turned 25° 92.9% rotated, gain ×2.5 57% clipped. Sharpness is
// divided by the patch's variance so that dark or flat faces read as too_dark or low_contrast,
// not blurry (the raw Laplacian variance of darkened frames fell below that of blurred ones).
// The detector finds a face in 3487 of 3491 NUAA frames (99.89%; every live frame) and in all 69
// photos.
//
// Detector defaults (MinSizeFrac 0.15, ScaleFactor 1.2, ShiftFactor 0.1, MinScore 6) were chosen
// on every 5th NUAA frame: ScaleFactor 1.1 found as many faces (697 of 699) at 1.6× the time;
// ShiftFactor 0.12 and 0.15 lost 1.4% and 2.7% of the faces; on all frames, before the slow
// path's border existed, the rotation search found 3467 of 3491 against 3444 upright only. On still frames
// with sensor noise (σ = 3) the box centre varies by 0.5% of its side and its size by 1.3%.
//
// Eyes: pigo's puploc cascade was measured for roll correction (eyes_test.go, BONAFIDE_TUNE=1;
// ranges are over two runs, since puploc is random). On NUAA live frames turned by ±10° and ±20°
// it estimates the roll to 1.5–1.6° (mean |error|; p90 2.4–3.2°) against 3.0–3.1° (p90
// 5.5–5.9°) for the detector's angle, and its roll varies less along the sequences (RMS second
// difference 2.6° against 4.1°). But it costs a 1.2 MB download (5× the face cascade) and about
// 4 ms per face natively, and it is not repeatable: pigo perturbs the eye search with math/rand,
// so the same frame gives rolls 0.8° apart (p95) from run to run, and a roll-corrected crop would
// differ between training and run time. The gain is small next to the rotated gate (12°), so
// crops stay axis-aligned and the eye cascade is not shipped; the tracker, not the eyes, steadies
// the crop: along the NUAA live sequences it cuts the crop centre's RMS second difference from
// 0.106 to 0.036 face sides.
package face
