// Types of bonafide-check.mjs, the <bonafide-check> element (the npm package's "bonafide-web/check").
// They are declared with the API in bonafide.d.ts, which also adds the element to HTMLElementTagNameMap.
export { BonafideCheck, BonafideStrings, bundles, finestMap, drawSpoofMap, mapClip, drawKeypoints } from './bonafide.js';
