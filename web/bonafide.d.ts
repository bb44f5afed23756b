// Types of bonafide's browser module (bonafide.mjs and bonafide-check.mjs). Hand-written; the
// modules themselves are plain ES modules that need no build step.

/** Where a face is, in the source image's pixels (top-left origin). */
export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Names of BlazeFace's six landmarks. Right and left are the person's: on an unmirrored camera image the right eye is on the viewer's left. */
export type KeypointName = 'right_eye' | 'left_eye' | 'nose_tip' | 'mouth' | 'right_ear' | 'left_ear';

/** A landmark, in the source image's pixels (held inside the frame). */
export interface Keypoint {
  name: KeypointName;
  x: number;
  y: number;
}

/**
 * A face. The box is a square from the forehead to the chin (the geometry every model's crop is
 * defined on), cut to the frame: it never lies outside it.
 */
export interface Face extends Box {
  /** The detector's confidence: BlazeFace's probability in [0, 1]; pigo's relative cascade score. */
  score: number;
  /** In-plane rotation (roll) in degrees, positive counter-clockwise on screen: BlazeFace's eye line; pigo's coarse 11.25° steps. */
  angle: number;
  /** BlazeFace only: how far the head is turned left or right, in [−1, 1] (0 facing the camera; see the quality code face_turned). */
  yaw?: number;
  /** BlazeFace only: the six landmarks, in the order of KeypointName. */
  keypoints?: Keypoint[];
}

/** The part of the frame the model saw: spoof maps cover this rectangle. */
export interface CropWindow extends Box {
  /** The box scale actually used (the model's, or less where the window had to fit the frame). */
  scale: number;
  /** The model's input size. */
  outputWidth: number;
  outputHeight: number;
}

/** Reason codes of the quality gate (core/face/reasons.go). Stable: new codes may be added. */
export type QualityCode =
  | 'no_face' | 'multiple_faces' | 'face_too_small' | 'face_too_large' | 'face_partly_outside'
  | 'face_off_centre' | 'too_dark' | 'too_bright' | 'clipped' | 'low_contrast' | 'blurry' | 'rotated'
  | 'face_turned' | 'eyes_not_visible';

export interface QualityReason {
  code: QualityCode;
  /** The measured value and the limit it crossed (see QualityLimits). */
  value: number;
  limit: number;
}

export interface Quality {
  /** True when no check failed. */
  ok: boolean;
  /** Failed checks, in the order of the codes above. */
  reasons: QualityReason[];
}

/** Per-stage durations of one analyze(), in milliseconds. */
export interface Timings {
  /** Face detection and the quality gate (Go). */
  detect: number;
  /** Cropping and normalising the face (Go). */
  crop: number;
  /** The model (Go). */
  infer: number;
  /** Everything inside Go. */
  total: number;
  /** Reading the frame's RGBA pixels (ImageBitmap → canvas → bytes) in the worker. */
  pixels: number;
  /** The call into Go, copies in and out included. */
  wasm: number;
  /** analyze() end to end, as the page sees it. */
  roundTrip: number;
  /** With options.workers > 1: which engine (0-based) analysed the frame. */
  worker?: number;
}

export interface Result {
  /** The decision: a face was scored, the quality gate passed and score ≥ threshold. */
  live: boolean;
  /** A face was found and the model ran. */
  scored: boolean;
  /** Live probability in [0, 1]; NaN when no face was scored. */
  score: number;
  threshold: number;
  /** The face the model looked at (the largest, or the tracked one), or null. */
  face: Face | null;
  /** Every face found. */
  faces: Face[];
  /** The rectangle the model saw, or null. Draw maps over it. */
  crop: CropWindow | null;
  quality: Quality;
  /**
   * Spoof maps: live probabilities on W×H grids over the crop window, row-major, keyed "WxH"
   * (pyramid models: "8x8", "4x4", "2x2"; PatchNet: its patch grid). Empty when no face was scored.
   */
  maps: Record<string, Float32Array>;
  /** PatchNet reference similarity in [0, 1]; NaN without enrolment. */
  referenceScore: number;
  timings: Timings;
  /** The source's size, and the size analysed (frames larger than maxFrameSide are shrunk). */
  frame: { width: number; height: number; analyzedWidth: number; analyzedHeight: number };
}

export type Decision = 'live' | 'spoof' | 'retake';

/** A session's outcome (core/liveness Session semantics). */
export interface Verdict {
  /** live or spoof: the median score of `frames` usable frames against the threshold. retake: maxFrames frames went by without enough usable ones; see reasons. */
  decision: Decision;
  live: boolean;
  /** Median score of the usable frames (NaN when none). */
  score: number;
  threshold: number;
  /** Frames analysed, and how many counted (face scored, quality passed). */
  frames: number;
  usable: number;
  /** Scores of the usable frames, in order. */
  scores: number[];
  /** Scores of every frame analysed (NaN where no face was scored). */
  frameScores: number[];
  /** Quality codes that made frames unusable, most frequent first. */
  reasons: QualityCode[];
  /** Index of the best evidence frame (highest score for live, lowest for spoof), as Go's session chose it; -1 for retake. */
  best: number;
  /** The best evidence frame: its score, its crop window and the crop itself (the part of the frame the model saw). */
  bestFrame: { index: number; score: number; box: CropWindow | null; crop: ImageBitmap | null } | null;
  durationMs: number;
}

/** The verdict so far while a session runs (decision may be "pending"). */
export interface PendingVerdict extends Omit<Verdict, 'decision'> {
  decision: Decision | 'pending';
}

export interface ProgressDetail {
  /** This frame's result (with maps). */
  result: Result;
  verdict: PendingVerdict;
  /** 0-based index of this frame in the session. */
  frame: number;
}

/**
 * Limits of the quality gate. Each defaults to core/face's value (its Default* constants), shown
 * here; `options.quality` reports the limits in effect, as Go filled them in.
 */
export interface QualityLimits {
  /** Another face counts for multiple_faces when at least this fraction of the main face's size. Default 0.5. */
  otherFaceRatio?: number;
  /** Face side / shorter frame side: below → face_too_small ("move closer"). Default 0.2. */
  minFaceFrac?: number;
  /** Above → face_too_large ("move back"). Default 0.75. */
  maxFaceFrac?: number;
  /** The face box is scaled by this about its centre (to the whole head) before measuring how much is outside. Default 1.3. */
  outsideMargin?: number;
  /** Fraction of that box outside the frame: above → face_partly_outside. Default 0.14. */
  maxOutside?: number;
  /** Distance of the face centre from the frame centre, over the frame size: above → face_off_centre. Default 0.35. */
  maxOffCentre?: number;
  /** Mean luma of the face, 0–255: below → too_dark. Default 45. */
  minBrightness?: number;
  /** Above → too_bright. Default 195. */
  maxBrightness?: number;
  /** Fraction of saturated face pixels: above → clipped. Default 0.3. */
  maxClipped?: number;
  /** Standard deviation of the face's luma: below → low_contrast. Default 25. */
  minContrast?: number;
  /** Laplacian variance over luma variance at 64×64: below → blurry. Default 0.075. */
  minSharpness?: number;
  /** |roll| in degrees (the eye line's, with BlazeFace): above → rotated. Default 12. */
  maxRoll?: number;
  /** |yaw| (Face.yaw: 0 facing the camera, 1 in profile): above → face_turned. BlazeFace only. Default 0.6. */
  maxYaw?: number;
  /** The weaker eye's contrast over the face's: below → eyes_not_visible (sunglasses, a hand, hair). BlazeFace only. Default 0.09. */
  minEyeContrast?: number;
  /** Codes not to check, e.g. ['face_off_centre'] for photos. Default []. */
  skip?: QualityCode[];
}

export interface CreateOptions {
  /** The model's URL. Default: models/default.onnx next to bonafide.mjs. */
  modelUrl?: string | URL;
  /** The model's bytes instead of a URL (copied). Default: none. */
  model?: ArrayBuffer | Uint8Array;
  /** The face detector. Default 'blazeface' (MediaPipe's BlazeFace, run by bonafide's engine, with keypoints); 'pigo' is pico's cascade, the detector before it (no keypoints; its cascade, models/facefinder, is fetched on use). */
  detector?: 'blazeface' | 'pigo';
  /** The face detector's file: BlazeFace's model, or pigo's cascade. Default: models/blazeface.onnx (models/facefinder for 'pigo') next to bonafide.mjs. */
  faceModelUrl?: string | URL;
  /** The face detector's file as bytes instead of a URL (copied). Default: none. */
  faceModel?: ArrayBuffer | Uint8Array;
  /** bonafide.wasm's URL (self-hosting). Default: next to bonafide.mjs. */
  wasmUrl?: string | URL;
  /** Go's wasm_exec.js. Default: next to bonafide.mjs. */
  wasmExecUrl?: string | URL;
  /** The worker module's URL (serve it from your origin for a strict worker-src). Default: bonafide.worker.mjs next to bonafide.mjs. */
  workerUrl?: string | URL;
  /** Run inference in a Web Worker. Default true; false runs it on the page's thread. */
  worker?: boolean;
  /**
   * Engines to start, each a Web Worker with its own wasm instance and copy of the checker (1 to 8;
   * more than 1 needs worker: true). Default 1. With 2 or more, analyze() calls made without waiting
   * for the previous one run at once, each on the least busy engine, and resolve in the order they
   * were made; a session runs on one engine. Each engine holds its own wasm memory (Checker.stats).
   * Bonafide.create only: loadModel rejects it with a RangeError.
   */
  workers?: number;
  /** Decision threshold on the live score, in [0, 1]; 0 means the default, as absent does. Default: the model's bonafide.threshold (0.5 if absent). */
  threshold?: number;
  /** Usable frames a session needs for a verdict. Default 5. */
  minFrames?: number;
  /** Frames a session looks at before giving up with "retake". Default 30. */
  maxFrames?: number;
  /** Quality gate limits (merged over the defaults). Default: core/face's defaults. */
  quality?: QualityLimits;
  /** Follow the face across session frames (smoother crops). Default true. */
  track?: boolean;
  /** Frames whose longer side exceeds this are shrunk before analysis (results stay in source pixels). Default 1280. */
  maxFrameSide?: number;
  /** Loading (fetch, compile, start, model) must finish within this, or TimeoutError. Default 30000. */
  timeoutMs?: number;
  /**
   * SHA-256 of the model, of the face detector's model and of the wasm, as "sha256-BASE64" (SRI) or 64 hex digits; a
   * mismatch is an IntegrityError. Default: the files next to bonafide.mjs (no modelUrl/model, faceModelUrl/faceModel or
   * wasmUrl given) are checked against this release's manifest.mjs when crypto.subtle is available (https or localhost);
   * a file given by URL or bytes is not checked.
   */
  integrity?: { model?: string; faceModel?: string; wasm?: string };
  /** Use a built-in profile for a model without bonafide metadata. Default: read the model's metadata. */
  profile?: 'minifasnet-v2';
}

export type ImageSource =
  | ImageBitmap | ImageData | HTMLVideoElement | HTMLCanvasElement | OffscreenCanvas | HTMLImageElement | VideoFrame | Blob;

export interface AnalyzeOptions {
  /** Hand an ImageBitmap over (it is closed) instead of copying it. Default false. */
  transfer?: boolean;
  /** Track the face from the previous call (consecutive video frames). Default false: each call is an independent image. */
  video?: boolean;
  /**
   * With video: the frame's time in milliseconds (e.g. requestVideoFrameCallback's mediaTime × 1000, or
   * VideoFrame.timestamp / 1000), which the face tracker's smoothing uses; a time that does not increase
   * restarts the smoothing. Default: performance.now() when analyze() is called.
   */
  timestampMs?: number;
}

export interface SessionOptions {
  /** Usable frames needed. Default: the checker's minFrames (5). */
  minFrames?: number;
  /** @deprecated Since 1.0.0: minFrames (this alias goes in the next release). */
  frames?: number;
  /** Frames before "retake". Default: the checker's maxFrames (30), at least `minFrames`. */
  maxFrames?: number;
  /** Without a verdict by then, the session rejects with TimeoutError (its `verdict` holds the state). Default 20000. */
  timeoutMs?: number;
  /** Threshold for this session; 0 means the default, as absent does. Default: the checker's. */
  threshold?: number;
  /** Aborting rejects with the signal's reason (an AbortError). */
  signal?: AbortSignal;
  /** Called for each analysed frame (a 'progress' event is dispatched too). */
  onProgress?: (detail: ProgressDetail) => void;
}

export interface CheckerInfo {
  kind: 'pyramid-binary' | 'patchnet' | 'pyramid-depth' | 'softmax';
  /** The model's bonafide.version: the release it was made for (its major version is this release's, or 0 for test files). */
  version: string;
  /** The crop spec in the model's metadata form, and its size. */
  crop: string;
  cropWidth: number;
  cropHeight: number;
  /** Map labels, e.g. ["8x8", "4x4", "2x2"]. */
  maps: string[];
  /**
   * Where the maps carry evidence (metadata bonafide.maps.region): 'crop', every cell, or 'face',
   * only the cells over the face box (the others were not trained: mask them, see mapClip).
   */
  mapRegion: 'crop' | 'face';
  modelThreshold: number;
  inputs: TensorInfo[];
  outputs: TensorInfo[];
  metadata: Record<string, string>;
  opset: number;
  params: number;
  macs: number;
  /** Go version of the engine. */
  go: string;
  worker: boolean;
  /** Engines (Workers) frames are spread over: options.workers, or 0 without a Worker. */
  workers: number;
  /** The face detector in use. */
  detector: 'blazeface' | 'pigo';
}

export interface CheckerStats {
  /** Go heap in use, reserved and total memory from the OS (runtime.ReadMemStats). */
  heapAlloc: number;
  heapInuse: number;
  heapSys: number;
  sys: number;
  numGC: number;
  mallocs: number;
  frees: number;
  goroutines: number;
  /** js.Funcs Go has exported and not released (constant while the checker lives). */
  funcs: number;
  /** JS values Go holds references to (wasm_exec.js's table). */
  jsRefs: number;
  /** The WebAssembly.Memory's size. */
  wasmMemoryBytes: number;
  checkers: number;
  models: number;
  sessions: number;
  /** With options.workers > 1: every engine's figures (the fields above are the first engine's). */
  workers?: CheckerStats[];
}

export interface CheckerEventMap {
  progress: CustomEvent<ProgressDetail>;
}

/**
 * A loaded liveness model with its face detector and quality gate: Go's liveness.Checker. Create it
 * with Bonafide.create().
 */
export declare class Checker extends EventTarget {
  private constructor();
  readonly info: CheckerInfo;
  /**
   * The options in effect (a copy). threshold, quality (every limit), minFrames and maxFrames are as Go
   * checked them and filled in its defaults.
   */
  readonly options: Omit<Required<CreateOptions>, 'model' | 'faceModel' | 'profile' | 'quality'> & { quality: Required<QualityLimits>; profile?: 'minifasnet-v2' };
  readonly closed: boolean;
  /** Analyses one image or frame. The caller's source is not consumed (see AnalyzeOptions.transfer). */
  analyze(source: ImageSource, options?: AnalyzeOptions): Promise<Result>;
  /** Samples a playing video until a verdict; emits 'progress' per frame. */
  startSession(video: HTMLVideoElement, options?: SessionOptions): Promise<Verdict>;
  /** Changes threshold, quality (merged), minFrames, maxFrames or maxFrameSide. */
  setOptions(partial: Pick<CreateOptions, 'threshold' | 'quality' | 'minFrames' | 'maxFrames' | 'maxFrameSide'>): Promise<void>;
  /** Debug figures for leak checks; {gc: true} collects Go's garbage first. */
  stats(options?: { gc?: boolean }): Promise<CheckerStats>;
  /** Frees everything (the worker is terminated, the Go program exits). Idempotent. */
  close(): Promise<void>;
  addEventListener<K extends keyof CheckerEventMap>(type: K, listener: (ev: CheckerEventMap[K]) => void, options?: boolean | AddEventListenerOptions): void;
  addEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: boolean | AddEventListenerOptions): void;
}

/** @deprecated Since 1.0.0: Checker ("detector" now means only the face detector). Goes in the next release. */
export declare const Detector: typeof Checker;
/** @deprecated Since 1.0.0: Checker. */
export type Detector = Checker;
/** @deprecated Since 1.0.0: CheckerInfo. */
export type DetectorInfo = CheckerInfo;
/** @deprecated Since 1.0.0: CheckerStats. */
export type DetectorStats = CheckerStats;
/** @deprecated Since 1.0.0: CheckerEventMap. */
export type DetectorEventMap = CheckerEventMap;

export interface TensorInfo {
  name: string;
  dims: number[];
}

/** An output tensor, shaped like onnxruntime-web's Tensor. */
export interface Tensor {
  type: 'float32';
  dims: number[];
  data: Float32Array;
}

export interface LoadModelOptions extends Pick<CreateOptions, 'wasmUrl' | 'wasmExecUrl' | 'workerUrl' | 'worker' | 'timeoutMs'> {
  integrity?: { model?: string; wasm?: string };
  /**
   * Model.run talks to its Worker through a SharedArrayBuffer (Atomics) when the page is
   * cross-origin isolated (served with COOP same-origin and COEP require-corp or credentialless),
   * otherwise by postMessage. false: always postMessage. Default true.
   */
  sharedMemory?: boolean;
  /** The size of a symbolic batch dimension. Default 1. */
  batch?: number;
  /** Sizes of other symbolic dimensions by name. */
  dims?: Record<string, number>;
}

export declare class Model {
  private constructor();
  readonly inputs: TensorInfo[];
  readonly outputs: TensorInfo[];
  /** How run() reaches the engine: 'sharedMemory' (SharedArrayBuffer with its Worker), 'postMessage' (its Worker) or 'page' ({worker: false}). */
  readonly channel: 'sharedMemory' | 'postMessage' | 'page';
  readonly inputNames: string[];
  readonly outputNames: string[];
  readonly metadata: Record<string, string>;
  readonly opset: number;
  readonly params: number;
  readonly macs: number;
  /** One-input models: run(data, dims). Rejects with InputError when the shape does not match. */
  run(data: Float32Array, dims?: number[], options?: RunOptions): Promise<Record<string, Tensor>>;
  /** Any model: run({name: {data, dims}}), like onnxruntime-web's session.run(feeds). */
  run(feeds: Record<string, { data: Float32Array; dims?: number[] }>, options?: RunOptions): Promise<Record<string, Tensor>>;
  close(): Promise<void>;
}

export interface RunOptions {
  /** Transfer the inputs' ArrayBuffers to the Worker instead of copying them; they are detached afterwards. Default false. */
  transfer?: boolean;
}

export declare const Bonafide: {
  /** This release (semantic version), the same as the wasm's and the npm package's. */
  readonly version: string;
  /** Whether this browser can run bonafide (WebAssembly with SIMD, createImageBitmap). */
  support(): { ok: boolean; reason: string };
  create(options?: CreateOptions): Promise<Checker>;
  loadModel(source: string | URL | ArrayBuffer | Uint8Array, options?: LoadModelOptions): Promise<Model>;
  /** getUserMedia with bonafide's errors; with a video element, attaches and plays the stream. */
  openCamera(video?: HTMLVideoElement | null, constraints?: MediaStreamConstraints): Promise<MediaStream>;
};
export default Bonafide;

/** This release (semantic version), the same as the wasm's and the npm package's. */
export declare const version: string;
/** Defaults of create()'s own options; the liveness options' defaults are Go's (see Checker.options). */
export declare const defaults: Readonly<Required<Omit<CreateOptions, 'model' | 'threshold' | 'profile' | 'minFrames' | 'maxFrames' | 'quality'>>>;
export declare const qualityCodes: readonly QualityCode[];
/** The face detectors `detector` may name. */
export declare const detectors: readonly ('blazeface' | 'pigo')[];

export declare class BonafideError extends Error {}
/** Camera permission denied. */
export declare class NotAllowedError extends BonafideError {}
/** No camera. */
export declare class NotFoundError extends BonafideError {}
/** The camera could not be opened (in use elsewhere). */
export declare class NotReadableError extends BonafideError {}
/** Bad or unsupported model; for an unsupported operator, op/opset/node name it. */
export declare class ModelError extends BonafideError { op?: string; opset?: number; node?: string; domain?: string; field?: string; /** with field 'bonafide.version': the model's version */ modelVersion?: string; }
export declare class IntegrityError extends BonafideError { expected?: string; actual?: string; }
export declare class WebAssemblyUnsupportedError extends BonafideError {}
export declare class TimeoutError extends BonafideError { verdict?: PendingVerdict | null; }
export declare class LoadError extends BonafideError { url?: string; status?: number; }
export declare class WorkerError extends BonafideError {}
export declare class FrameError extends BonafideError {}
/** A frame, model or tensor over one of bonafide's named limits (see the README's reliability section). */
export declare class LimitError extends BonafideError { what?: string; got?: number; limit?: number; }
export declare class InputError extends BonafideError {}
export declare class InvalidStateError extends BonafideError {}
export declare class InternalError extends BonafideError {}
