import { readFileSync } from "node:fs";
import { writeFileAtomic } from "../system/write-atomic.ts";
import type { FaceDataset, FaceSample } from "./dataset.ts";
import { NpzFormatError } from "./errors.ts";
import { decodeNpy, encodeNpy, type NpyValue } from "./npy-codec.ts";
import { readZip, writeZip } from "./zip.ts";

const SIDE = 112;

/**
 * Writes the extracted dataset as a numpy `.npz` (np.load reads it without pickle):
 * `x` uint8 N×112×112×3 aligned faces, `y` int32 labels (-1 = negative), `names` unicode person names, plus
 * `embedding`/`upper` float32 N×D, `masked`/`augmented` uint8, `group` int32, `source` unicode and a 0-d
 * `embedder` id, so that `--from-npz` can reuse the embeddings when the embedder is the same.
 */
export function encodeDatasetNpz(ds: FaceDataset): Buffer {
  const n = ds.samples.length;
  const x = new Uint8Array(n * SIDE * SIDE * 3);
  const emb = new Float32Array(n * ds.dim);
  const upper = new Float32Array(n * ds.dim);
  ds.samples.forEach((s, i) => {
    if (s.aligned.width !== SIDE || s.aligned.height !== SIDE)
      throw new Error(`sample ${i} (${s.source}): aligned crop is not ${SIDE}×${SIDE}`);
    x.set(s.aligned.data, i * SIDE * SIDE * 3);
    emb.set(s.embedding, i * ds.dim);
    if (s.upper) upper.set(s.upper, i * ds.dim);
  });
  const arrays: Record<string, NpyValue> = {
    x: { dtype: "uint8", shape: [n, SIDE, SIDE, 3], data: x },
    y: { dtype: "int32", shape: [n], data: Int32Array.from(ds.samples, (s) => s.label) },
    names: { dtype: "unicode", shape: [ds.names.length], data: ds.names },
    embedding: { dtype: "float32", shape: [n, ds.dim], data: emb },
    upper: { dtype: "float32", shape: [n, ds.dim], data: upper },
    masked: { dtype: "uint8", shape: [n], data: Uint8Array.from(ds.samples, (s) => (s.masked ? 1 : 0)) },
    augmented: {
      dtype: "uint8",
      shape: [n],
      data: Uint8Array.from(ds.samples, (s) => (s.augmented ? 1 : 0)),
    },
    group: { dtype: "int32", shape: [n], data: Int32Array.from(ds.samples, (s) => s.group) },
    source: { dtype: "unicode", shape: [n], data: ds.samples.map((s) => s.source) },
    embedder: { dtype: "unicode", shape: [], data: [ds.embedderId] },
  };
  return writeZip(Object.entries(arrays).map(([k, v]) => ({ name: `${k}.npy`, data: encodeNpy(v) })));
}

export function writeDatasetNpz(path: string, ds: FaceDataset): void {
  writeFileAtomic(path, encodeDatasetNpz(ds), 0o600);
}

/**
 * Reads an .npz with at least `x`, `y` and `names` (one made by numpy works too). Embeddings are returned only
 * when present; the caller re-embeds the crops when they are missing or come from another embedder.
 */
export async function readDatasetNpz(path: string): Promise<{
  names: string[];
  embedderId: string | null;
  dim: number;
  samples: (Omit<FaceSample, "embedding" | "upper"> & {
    embedding: Float32Array | null;
    upper: Float32Array | null;
  })[];
}> {
  const entries = await readZip(readFileSync(path), path);
  const arrays = new Map<string, NpyValue>();
  for (const e of entries) {
    const key = e.name.replace(/\.npy$/, "");
    arrays.set(key, decodeNpy(e.data, `${path}:${e.name}`));
  }
  const need = <D extends NpyValue["dtype"]>(key: string, dtype: D) => {
    const a = arrays.get(key);
    if (!a) throw new NpzFormatError(path, `has no "${key}" array (x, y and names are required)`);
    if (a.dtype !== dtype) throw new NpzFormatError(path, `"${key}" is ${a.dtype}, expected ${dtype}`);
    return a as Extract<NpyValue, { dtype: D }>;
  };
  const x = need("x", "uint8");
  const y = need("y", "int32");
  const names = need("names", "unicode").data;
  const n = y.data.length;
  if (
    x.shape.length !== 4 ||
    x.shape[0] !== n ||
    x.shape[1] !== SIDE ||
    x.shape[2] !== SIDE ||
    x.shape[3] !== 3
  )
    throw new NpzFormatError(path, `x has shape (${x.shape.join(", ")}), expected (${n}, 112, 112, 3)`);
  for (const label of y.data)
    if (label < -1 || label >= names.length)
      throw new NpzFormatError(path, `label ${label} is outside names (0..${names.length - 1}, or -1)`);
  const opt = <D extends NpyValue["dtype"]>(key: string, dtype: D) => {
    const a = arrays.get(key);
    return a && a.dtype === dtype ? (a as Extract<NpyValue, { dtype: D }>) : null;
  };
  const emb = opt("embedding", "float32");
  const upper = opt("upper", "float32");
  const dim = emb && emb.shape[0] === n ? emb.shape[1] : 0;
  const masked = opt("masked", "uint8");
  const augmented = opt("augmented", "uint8");
  const group = opt("group", "int32");
  const source = opt("source", "unicode");
  const embedder = opt("embedder", "unicode");
  const px = SIDE * SIDE * 3;
  const samples = Array.from({ length: n }, (_, i) => {
    const u = upper && dim ? upper.data.slice(i * dim, (i + 1) * dim) : null;
    return {
      label: y.data[i],
      aligned: { width: SIDE, height: SIDE, data: x.data.slice(i * px, (i + 1) * px) },
      embedding: emb && dim ? emb.data.slice(i * dim, (i + 1) * dim) : null,
      // An all-zero upper row means "not computed".
      upper: u?.some((v) => v !== 0) ? u : null,
      masked: masked ? masked.data[i] === 1 : false,
      augmented: augmented ? augmented.data[i] === 1 : false,
      group: group ? group.data[i] : i,
      source: source ? source.data[i] : `npz#${i}`,
    };
  });
  return { names, embedderId: embedder?.data[0] ?? null, dim, samples };
}
