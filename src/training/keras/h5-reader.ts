import { open, stat } from "node:fs/promises";
import path from "node:path";
import h5wasm from "h5wasm/node";
import { KerasImportError } from "./errors.ts";
import { hdf5Reason, withHdf5Diagnostics } from "./hdf5-diagnostics.ts";
import { isKerasLayerEntry, type Json, type KerasLayerEntry } from "./json.ts";

/** One stored weight array, named as Keras wrote it (e.g. `conv2d_1/kernel:0`, `seed/dense/bias`). */
export interface H5Weight {
  name: string;
  shape: number[];
  values: Float32Array;
}

/** Everything the converter needs from a Keras full-model `.h5` file. */
export interface KerasH5Contents {
  modelConfig: KerasLayerEntry;
  kerasVersion: string;
  /** Top-level layer name → its weights, in the file's `weight_names` order. */
  layerWeights: Map<string, H5Weight[]>;
}

type H5Group = InstanceType<typeof h5wasm.Group>;
type H5Entity = ReturnType<H5Group["get"]>;

const HDF5_SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

/** Reads the model config and all layer weights of a Keras 2 or Keras 3 `.h5` model file. */
export async function readKerasH5(filePath: string): Promise<KerasH5Contents> {
  const absolute = path.resolve(filePath);
  await assertHdf5File(absolute);
  await h5wasm.ready;
  return withHdf5Diagnostics((diagnostics) => {
    const failure = (what: string, error?: unknown) => {
      const reason = hdf5Reason(diagnostics) ?? (error === undefined ? undefined : String(error));
      return new KerasImportError("NOT_HDF5", `${filePath}: ${what}${reason ? ` (${reason})` : ""}`);
    };
    let file: InstanceType<typeof h5wasm.File>;
    try {
      file = new h5wasm.File(absolute, "r");
    } catch (error) {
      throw failure("HDF5 library could not open it", error);
    }
    // h5wasm reports a failed open through a negative id rather than an exception.
    if (file.file_id < 0n) throw failure("HDF5 library could not open it");
    try {
      return readContents(file, filePath);
    } catch (error) {
      if (error instanceof KerasImportError) throw error;
      throw failure("corrupt HDF5 file", error);
    } finally {
      file.close();
    }
  });
}

function readContents(file: InstanceType<typeof h5wasm.File>, filePath: string): KerasH5Contents {
  const configText = readStringAttr(file, "model_config");
  if (configText === undefined) {
    throw new KerasImportError(
      "NOT_KERAS_MODEL",
      `${filePath}: no model_config attribute; this looks like a weights-only file (save the whole model with model.save("model.h5"))`,
    );
  }
  const modelConfig = parseModelConfig(configText, filePath);
  const weightsRoot = file.get("model_weights");
  const weightsGroup = weightsRoot instanceof h5wasm.Group ? weightsRoot : file;
  const kerasVersion =
    readStringAttr(file, "keras_version") ?? readStringAttr(weightsGroup, "keras_version") ?? "";
  return { modelConfig, kerasVersion, layerWeights: readLayerWeights(weightsGroup, filePath) };
}

async function assertHdf5File(filePath: string): Promise<void> {
  const info = await stat(filePath).catch(() => undefined);
  if (!info) throw new KerasImportError("FILE_NOT_FOUND", `${filePath}: no such file`);
  if (!info.isFile()) throw new KerasImportError("FILE_NOT_FOUND", `${filePath}: not a regular file`);
  // The HDF5 superblock signature sits at offset 0 or, after a user block, at 512, 1024, 2048, ...
  const handle = await open(filePath, "r");
  try {
    const probe = Buffer.alloc(64);
    for (
      let offset = 0;
      offset + HDF5_SIGNATURE.length <= info.size;
      offset = offset === 0 ? 512 : offset * 2
    ) {
      await handle.read(probe, 0, probe.length, offset);
      if (HDF5_SIGNATURE.every((b, i) => probe[i] === b)) {
        assertNotTruncated(probe, offset, info.size, filePath);
        return;
      }
    }
  } finally {
    await handle.close();
  }
  throw new KerasImportError(
    "NOT_HDF5",
    `${filePath}: not an HDF5 file (no HDF5 signature); expected a Keras .h5 model`,
  );
}

/**
 * Compares the end-of-file address stored in the superblock with the real size, so a partly
 * downloaded file gets a clear message instead of HDF5 library internals.
 */
function assertNotTruncated(superblock: Buffer, offset: number, size: number, filePath: string): void {
  const version = superblock[8];
  // Superblock v0/v1 and v2/v3 keep "size of offsets" and the EOF address at different places.
  const offsetSize = version <= 1 ? superblock[13] : superblock[9];
  const eofAt = version === 0 ? 40 : version === 1 ? 44 : 28;
  if (offsetSize !== 8 || eofAt + 8 > superblock.length) return;
  const baseAt = version <= 1 ? eofAt - 16 : 12;
  const base = superblock.readBigUInt64LE(baseAt);
  const eof = superblock.readBigUInt64LE(eofAt);
  if (eof === 0xffffffffffffffffn) return;
  const expected = (base === 0n ? BigInt(offset) : base) + eof;
  if (expected > BigInt(size)) {
    throw new KerasImportError(
      "NOT_HDF5",
      `${filePath}: truncated HDF5 file (${size} of ${expected} bytes present)`,
    );
  }
}

function parseModelConfig(text: string, filePath: string): KerasLayerEntry {
  let parsed: Json;
  try {
    parsed = JSON.parse(text) as Json;
  } catch (error) {
    throw new KerasImportError(
      "NOT_KERAS_MODEL",
      `${filePath}: model_config is not valid JSON (${String(error)})`,
    );
  }
  if (!isKerasLayerEntry(parsed)) {
    throw new KerasImportError("NOT_KERAS_MODEL", `${filePath}: model_config has no class_name/config`);
  }
  return parsed;
}

function readLayerWeights(group: H5Group, filePath: string): Map<string, H5Weight[]> {
  const weights = new Map<string, H5Weight[]>();
  const layerNames = readStringListAttr(group, "layer_names") ?? group.keys();
  for (const layerName of layerNames) {
    const layerGroup = group.get(layerName);
    if (!(layerGroup instanceof h5wasm.Group)) continue;
    const names = readStringListAttr(layerGroup, "weight_names") ?? [];
    weights.set(
      layerName,
      names.map((name) => readWeight(layerGroup.get(name), layerName, name, filePath)),
    );
  }
  return weights;
}

function readWeight(entity: H5Entity, layerName: string, name: string, filePath: string): H5Weight {
  const where = `${layerName}/${name}`;
  if (!(entity instanceof h5wasm.Dataset)) {
    throw new KerasImportError("WEIGHTS_MISMATCH", `${filePath}: weight ${where} is listed but missing`);
  }
  const value = entity.value;
  const shape = entity.shape ?? [];
  let values: Float32Array;
  if (value instanceof Float32Array) values = value;
  else if (value instanceof Float64Array) values = Float32Array.from(value);
  else if (typeof value === "number") values = Float32Array.of(value);
  else {
    throw new KerasImportError(
      "WEIGHTS_MISMATCH",
      `${filePath}: weight ${where} has dtype ${JSON.stringify(entity.dtype)}; only float32/float64 weights are supported`,
    );
  }
  return { name, shape, values };
}

function readStringAttr(obj: H5Group, name: string): string | undefined {
  const attr = obj.attrs[name];
  if (!attr) return undefined;
  const value = attr.value;
  if (typeof value === "string") return value;
  if (value instanceof Uint8Array) return new TextDecoder().decode(value);
  if (Array.isArray(value) && value.length === 1 && typeof value[0] === "string") return value[0];
  return undefined;
}

function readStringListAttr(obj: H5Group, name: string): string[] | undefined {
  const attr = obj.attrs[name];
  if (!attr) return undefined;
  const value = attr.value;
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === "string");
  // An empty `weight_names` list comes back as an empty typed array or null.
  return [];
}
