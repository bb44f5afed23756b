// The SHA-256 of the files bonafide.mjs loads by default, which Bonafide.create() checks unless a
// URL or a hash is given. scripts/build-web.sh writes the real one into build/web (and so into the
// npm package); this one, in the source tree, lists nothing, so nothing is checked.
export const release = '0.0.0-unbuilt';
export const assets = Object.freeze({});
