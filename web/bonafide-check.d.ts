// Types of bonafide-check.mjs, the <bonafide-check> element (the npm package's "bonafide-web/check"),
// which also adds the element to HTMLElementTagNameMap. They live here, not in bonafide.d.ts, because
// "bonafide-web" itself (bonafide.mjs) does not export them: typed there, an import of finestMap from
// "bonafide-web" type-checked and then failed when the module linked.
import type { Box, Checker, CheckerInfo, Face, QualityCode, Result, Verdict } from './bonafide.js';

export type BonafideStrings = Partial<Record<
  'idle' | 'start' | 'retry' | 'stop' | 'heatmap' | 'loading' | 'camera' | 'checking' | 'live' | 'spoof' | 'retake' |
  'retakeGeneric' | 'NotAllowedError' | 'NotFoundError' | 'NotReadableError' | 'TimeoutError' | 'ModelError' |
  'WebAssemblyUnsupportedError' | 'error' | 'videoLabel' | QualityCode, string>>;

/**
 * <bonafide-check model-url threshold min-frames (frames: deprecated) max-frames timeout-ms heatmap no-keypoints
 * lang autostart face-detector face-model-url wasm-url worker-url wasm-exec-url>. Events: progress (CustomEvent<ProgressDetail>), result
 * (CustomEvent<Verdict>), error (CustomEvent<Error>).
 */
export declare class BonafideCheck extends HTMLElement {
  /** Reflects the `heatmap` attribute: draw the spoof map over the face. */
  heatmap: boolean;
  /** Draw the face's keypoints (BlazeFace) over the video; false reflects the `no-keypoints` attribute. Default true. */
  keypoints: boolean;
  /** Overrides of single strings; `lang` (en, fr) picks the built-in bundle. */
  strings: BonafideStrings;
  /** A checker to use instead of creating one from the attributes; the element does not close it. */
  checker: Checker | null;
  /** @deprecated Since 1.0.0: checker. */
  detector: Checker | null;
  readonly lastResult: Result | null;
  start(): Promise<Verdict | null>;
  stop(): void;
}
export declare const bundles: Record<string, BonafideStrings>;
export declare function finestMap(maps: Record<string, Float32Array>): { label: string; w: number; h: number; data: Float32Array } | null;
export declare function drawSpoofMap(ctx: CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D, map: { w: number; h: number; data: Float32Array }, x: number, y: number, w: number, h: number, alpha?: number, clip?: Box | null): void;
/** The rectangle of the frame a result's maps may be drawn in: the face box when info.mapRegion is 'face', else the crop; null without a crop. */
export declare function mapClip(result: Result, info: Pick<CheckerInfo, 'mapRegion'>): Box | null;
/** Draws a face's keypoints (dots sized to the face, the eyes joined); nothing for a face without them. */
export declare function drawKeypoints(ctx: CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D, face: Face | null, color?: string): void;

declare global {
  interface HTMLElementTagNameMap {
    'bonafide-check': BonafideCheck;
  }
}
