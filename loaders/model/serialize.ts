/**
 * Compact JSON (de)serialisation of models.
 *
 * Integer node arrays are stored as JSON arrays; floating-point arrays (thresholds, values, covers, gains) as
 * base64 of their little-endian IEEE-754 doubles, which is both ~2x smaller than decimal text and bit-exact
 * (including NaN thresholds of leaves), so a model predicts identically after a round trip.
 *
 * Layout (version 1):
 * `{ format, version, nFeatures, featureNames, categorical: [feature indices], categories: {feature: values[]},
 *    baseScore, bestIteration, params, history, trees: [{ left, right, feature, defaultLeft, catSet, catBits,
 *    threshold, value, cover, gain }] }` where the last four are base64 strings.
 */
import type { FitHistory, GBDTParams, Model, Tree } from "./types.js";

interface TreeJSON {
  left: number[];
  right: number[];
  feature: number[];
  defaultLeft: number[];
  catSet: number[];
  catBits: number[];
  threshold: string;
  value: string;
  cover: string;
  gain: string;
}

/** The JSON document of a model. */
export interface ModelJSON {
  /** Format tag. */
  format: "customer-ai-gbdt";
  /** Format version. */
  version: 1;
  /** Number of features. */
  nFeatures: number;
  /** Feature names. */
  featureNames: string[];
  /** Indices of categorical features. */
  categorical: number[];
  /** Category values of categorical features, by feature index. */
  categories: Record<string, number[]>;
  /** Base margin. */
  baseScore: number;
  /** Number of rounds kept. */
  bestIteration: number;
  /** Hyper-parameters. */
  params: GBDTParams;
  /** Validation history. */
  history: FitHistory;
  /** Trees. */
  trees: TreeJSON[];
}

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const B64_INDEX = new Int16Array(128).fill(-1);
for (let i = 0; i < 64; i++) B64_INDEX[B64.charCodeAt(i)] = i;

/**
 * Base64 of the little-endian bytes of a Float64Array (portable: no Buffer).
 * @param a values
 */
export function encodeFloat64(a: Float64Array): string {
  const bytes = new Uint8Array(a.length * 8);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < a.length; i++) view.setFloat64(i * 8, a[i], true);
  let out = "";
  for (let i = 0; i < bytes.length; i += 3) {
    const b0 = bytes[i];
    const b1 = i + 1 < bytes.length ? bytes[i + 1] : 0;
    const b2 = i + 2 < bytes.length ? bytes[i + 2] : 0;
    out += B64[b0 >> 2] + B64[((b0 & 3) << 4) | (b1 >> 4)];
    out += i + 1 < bytes.length ? B64[((b1 & 15) << 2) | (b2 >> 6)] : "=";
    out += i + 2 < bytes.length ? B64[b2 & 63] : "=";
  }
  return out;
}

/**
 * Inverse of {@link encodeFloat64}.
 * @param s base64 text
 * @throws Error on malformed input
 */
export function decodeFloat64(s: string): Float64Array {
  const clean = s.replace(/=+$/, "");
  const nBytes = Math.floor((clean.length * 3) / 4);
  if (nBytes % 8 !== 0) throw new Error("modelFromJSON: bad float array encoding");
  const bytes = new Uint8Array(nBytes);
  let acc = 0;
  let bits = 0;
  let o = 0;
  for (let i = 0; i < clean.length; i++) {
    const c = clean.charCodeAt(i);
    const v = c < 128 ? B64_INDEX[c] : -1;
    if (v < 0) throw new Error("modelFromJSON: bad base64 character");
    acc = ((acc << 6) | v) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      if (o < nBytes) bytes[o++] = (acc >> bits) & 255;
    }
  }
  const view = new DataView(bytes.buffer);
  const out = new Float64Array(nBytes / 8);
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat64(i * 8, true);
  return out;
}

/**
 * Serialisable JSON object of a model (pass to `JSON.stringify`).
 * @param model a fitted model
 */
export function modelToJSON(model: Model): ModelJSON {
  const categories: Record<string, number[]> = {};
  model.categories.forEach((c, f) => {
    if (c) categories[String(f)] = Array.from(c);
  });
  return {
    format: model.format,
    version: model.version,
    nFeatures: model.nFeatures,
    featureNames: model.featureNames.slice(),
    categorical: model.categorical.flatMap((c, f) => (c ? [f] : [])),
    categories,
    baseScore: model.baseScore,
    bestIteration: model.bestIteration,
    params: { ...model.params },
    history: { metric: model.history.metric, valid: model.history.valid.slice() },
    trees: model.trees.map((t) => ({
      left: Array.from(t.left),
      right: Array.from(t.right),
      feature: Array.from(t.feature),
      defaultLeft: Array.from(t.defaultLeft),
      catSet: Array.from(t.catSet),
      catBits: Array.from(t.catBits),
      threshold: encodeFloat64(t.threshold),
      value: encodeFloat64(t.value),
      cover: encodeFloat64(t.cover),
      gain: encodeFloat64(t.gain),
    })),
  };
}

/**
 * Rebuilds a model from {@link modelToJSON} output (or its parsed JSON text).
 * @param json the object, or a JSON string
 * @throws Error when the document is not a valid version-1 model
 */
export function modelFromJSON(json: ModelJSON | string): Model {
  const j: ModelJSON = typeof json === "string" ? JSON.parse(json) : json;
  if (j.format !== "customer-ai-gbdt" || j.version !== 1)
    throw new Error("modelFromJSON: not a customer-ai-gbdt v1 model");
  const F = j.nFeatures;
  const categorical = Array.from({ length: F }, () => false);
  for (const f of j.categorical) categorical[f] = true;
  const categories = Array.from({ length: F }, (_, f) =>
    j.categories[String(f)] ? Float64Array.from(j.categories[String(f)]) : null,
  );
  const trees = j.trees.map((t, i) => parseTree(t, i, F));
  return {
    format: "customer-ai-gbdt",
    version: 1,
    nFeatures: F,
    featureNames: j.featureNames.slice(),
    categorical,
    categories,
    baseScore: j.baseScore,
    trees,
    params: { ...j.params },
    bestIteration: j.bestIteration,
    history: { metric: j.history.metric, valid: j.history.valid.slice() },
  };
}

function parseTree(t: TreeJSON, ti: number, F: number): Tree {
  const tree: Tree = {
    left: Int32Array.from(t.left),
    right: Int32Array.from(t.right),
    feature: Int32Array.from(t.feature),
    defaultLeft: Uint8Array.from(t.defaultLeft),
    catSet: Int32Array.from(t.catSet),
    catBits: Uint32Array.from(t.catBits),
    threshold: decodeFloat64(t.threshold),
    value: decodeFloat64(t.value),
    cover: decodeFloat64(t.cover),
    gain: decodeFloat64(t.gain),
  };
  const n = tree.left.length;
  const lengths = [
    tree.right,
    tree.feature,
    tree.defaultLeft,
    tree.catSet,
    tree.threshold,
    tree.value,
    tree.cover,
    tree.gain,
  ].map((a) => a.length);
  if (n === 0 || lengths.some((l) => l !== n)) throw new Error(`modelFromJSON: tree ${ti} has inconsistent arrays`);
  for (let i = 0; i < n; i++) {
    const l = tree.left[i];
    const r = tree.right[i];
    if (l === -1 && r === -1) continue;
    const ok =
      l > i &&
      r > i &&
      l < n &&
      r < n &&
      tree.feature[i] >= 0 &&
      tree.feature[i] < F &&
      (tree.catSet[i] < 0 || tree.catSet[i] + 8 <= tree.catBits.length);
    if (!ok) throw new Error(`modelFromJSON: tree ${ti} node ${i} is malformed`);
  }
  return tree;
}
