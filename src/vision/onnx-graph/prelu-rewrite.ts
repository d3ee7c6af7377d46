import {
  bytesField,
  decodeMessage,
  encodeMessage,
  type Field,
  fieldsOf,
  intField,
  nestedMessage,
  stringOf,
  varintsOf,
} from "./protobuf-wire.ts";

/**
 * PRelu with a per-channel slope, rewritten into operators ONNX Runtime's CPU provider runs fast.
 *
 * Why: onnxruntime 1.30 has no fast PRelu kernel on the CPU. Its PRelu goes through the generic broadcasting
 * path (~3.4 ns per value) and, since its blocked-layout (NCHWc) optimiser does not know PRelu, every PRelu also
 * converts the convolution's output back to plain layout and the result forward again. In the default embedder
 * (`fr_feature.onnx`, a MobileFaceNet: 33 PRelu after 50 convolutions) that was 7 ms of a 13 ms inference
 * (measured with onnxruntime's profiler on this project's 2-core VM).
 *
 * How: for slope s of shape [C,1,1] and y = the PRelu's input,
 *     PRelu(y) = Relu(y) + (−s) · Relu(−y)
 * where −y and (−s)·(…) are 1×1 depthwise convolutions (weights −1 and −s, no bias), which the optimiser fuses
 * with the Relu and the Add and keeps in the blocked layout. It is exact, not an approximation: for every value
 * one of the two terms is 0, −1·y is exact, and (−s)·Relu(−y) = s·y rounds once, as PRelu's own s·y does — the
 * embeddings come out bit for bit the same (checked in test/vision-onnx-graph.test.ts).
 *
 * The model file and its weights are not changed: the rewrite happens in memory each time a session is created,
 * so the embedder's id (file name + sha256) and every gallery made with it stay valid.
 */

// ONNX field numbers (onnx/onnx.proto3).
const MODEL = { irVersion: 1, opsetImport: 8, graph: 7 } as const;
const OPSET = { domain: 1, version: 2 } as const;
const GRAPH = { node: 1, initializer: 5, input: 11, output: 12, valueInfo: 13 } as const;
const NODE = { input: 1, output: 2, name: 3, opType: 4, attribute: 5, domain: 7 } as const;
const ATTR = { name: 1, i: 3, ints: 8, type: 20 } as const;
const ATTR_INT = 2;
const ATTR_INTS = 7;
const TENSOR = { dims: 1, dataType: 2, floatData: 4, name: 8, rawData: 9, dataLocation: 14 } as const;
const FLOAT = 1;

export interface RewriteResult {
  /** The edited model, ready for `InferenceSession.create(bytes)`. */
  bytes: Uint8Array;
  /** PRelu nodes replaced. */
  rewritten: number;
}

/** Quick test on the raw file: models without the word never need parsing. */
export function mayHavePRelu(model: Uint8Array): boolean {
  return Buffer.from(model.buffer, model.byteOffset, model.byteLength).includes("PRelu");
}

/**
 * The model with every per-channel PRelu rewritten, or null when none qualifies (no PRelu, slopes that are not
 * [C,1,1] float constants, or a model too old for the replacement's operators).
 */
export function rewritePRelu(model: Uint8Array): RewriteResult | null {
  const top = decodeMessage(model);
  const irVersion = Number(varintsOf(top, MODEL.irVersion)[0] ?? 0n);
  // Before IR 4 every initializer had to be a graph input too; such old files are left as they are.
  if (irVersion < 4 || defaultOpset(top) < 7) return null;
  const graphIndex = top.findIndex((f) => f.field === MODEL.graph && f.wire === 2);
  if (graphIndex < 0) return null;
  const graph = nestedMessage(top[graphIndex]);

  const initializers = new Map<string, Field[]>();
  for (const f of fieldsOf(graph, GRAPH.initializer)) {
    const t = nestedMessage(f);
    initializers.set(stringOf(t, TENSOR.name), t);
  }
  // Graph inputs can override an initializer at run time: such a slope is not a constant.
  const inputs = new Set(fieldsOf(graph, GRAPH.input).map((f) => stringOf(nestedMessage(f), 1)));
  const taken = usedNames(graph, initializers);
  const fresh = (base: string): string => {
    let name = base;
    for (let k = 1; taken.has(name); k++) name = `${base}_${k}`;
    taken.add(name);
    return name;
  };

  const out: Field[] = [];
  const added: Field[] = [];
  let rewritten = 0;
  for (const f of graph) {
    const replacement = f.field === GRAPH.node ? replacePRelu(f, initializers, inputs, fresh) : null;
    if (!replacement) {
      out.push(f);
      continue;
    }
    out.push(...replacement.nodes);
    added.push(...replacement.initializers);
    rewritten++;
  }
  if (rewritten === 0) return null;
  const edited = [...top];
  edited[graphIndex] = bytesField(MODEL.graph, encodeMessage([...out, ...added]));
  return { bytes: encodeMessage(edited), rewritten };
}

function defaultOpset(top: readonly Field[]): number {
  for (const f of fieldsOf(top, MODEL.opsetImport)) {
    if (f.wire !== 2) continue;
    const o = nestedMessage(f);
    const domain = stringOf(o, OPSET.domain);
    if (domain === "" || domain === "ai.onnx") return Number(varintsOf(o, OPSET.version)[0] ?? 0n);
  }
  return 0;
}

function usedNames(graph: readonly Field[], initializers: Map<string, Field[]>): Set<string> {
  const names = new Set<string>(initializers.keys());
  for (const f of fieldsOf(graph, GRAPH.node)) {
    const n = nestedMessage(f);
    for (const field of [NODE.input, NODE.output]) for (const x of fieldsOf(n, field)) names.add(text(x));
    names.add(stringOf(n, NODE.name));
  }
  for (const field of [GRAPH.input, GRAPH.output, GRAPH.valueInfo])
    for (const f of fieldsOf(graph, field)) names.add(stringOf(nestedMessage(f), 1));
  return names;
}

const text = (f: Field): string => (f.wire === 2 ? new TextDecoder().decode(f.value) : "");

/** The replacement of one PRelu node, or null when it is not a PRelu with a [C,1,1] float constant slope. */
function replacePRelu(
  nodeField: Field,
  initializers: Map<string, Field[]>,
  graphInputs: Set<string>,
  fresh: (base: string) => string,
): { nodes: Field[]; initializers: Field[] } | null {
  if (nodeField.wire !== 2) return null;
  const node = nestedMessage(nodeField);
  const domain = stringOf(node, NODE.domain);
  if (stringOf(node, NODE.opType) !== "PRelu" || (domain !== "" && domain !== "ai.onnx")) return null;
  if (fieldsOf(node, NODE.input).length !== 2 || fieldsOf(node, NODE.output).length !== 1) return null;
  const [x, slopeName] = fieldsOf(node, NODE.input).map(text);
  const [y] = fieldsOf(node, NODE.output).map(text);
  if (!x || !slopeName || !y || graphInputs.has(slopeName)) return null;
  const slope = initializers.get(slopeName);
  const values = slope ? perChannelSlope(slope) : null;
  if (!values) return null;
  const c = values.length;

  const base = y;
  const wNeg = fresh(`${base}/prelu_neg_w`);
  const wSlope = fresh(`${base}/prelu_slope_w`);
  const pos = fresh(`${base}/prelu_pos`);
  const negated = fresh(`${base}/prelu_negated`);
  const neg = fresh(`${base}/prelu_neg`);
  const scaled = fresh(`${base}/prelu_scaled`);
  const depthwise = (name: string, input: string, weights: string, output: string) =>
    nodeOf("Conv", [input, weights], [output], fresh(name), [
      intAttr("group", c),
      intsAttr("kernel_shape", [1, 1]),
    ]);
  return {
    nodes: [
      nodeOf("Relu", [x], [pos], fresh(`${base}/prelu_relu_pos`)),
      depthwise(`${base}/prelu_negate`, x, wNeg, negated),
      nodeOf("Relu", [negated], [neg], fresh(`${base}/prelu_relu_neg`)),
      depthwise(`${base}/prelu_scale`, neg, wSlope, scaled),
      nodeOf("Add", [scaled, pos], [y], fresh(`${base}/prelu_add`)),
    ],
    initializers: [
      floatTensor(wNeg, [c, 1, 1, 1], new Float32Array(c).fill(-1)),
      floatTensor(
        wSlope,
        [c, 1, 1, 1],
        values.map((s) => -s),
      ),
    ],
  };
}

/** The slope's values when it is a float tensor of shape [C,1,1] or [1,C,1,1] stored in the file; else null. */
function perChannelSlope(t: readonly Field[]): Float32Array | null {
  if (Number(varintsOf(t, TENSOR.dataType)[0] ?? 0n) !== FLOAT) return null;
  if (Number(varintsOf(t, TENSOR.dataLocation)[0] ?? 0n) !== 0) return null; // external data
  const dims = varintsOf(t, TENSOR.dims).map(Number);
  const shapeOk =
    (dims.length === 3 && dims[1] === 1 && dims[2] === 1) ||
    (dims.length === 4 && dims[0] === 1 && dims[2] === 1 && dims[3] === 1);
  if (!shapeOk) return null;
  const c = dims.length === 3 ? dims[0] : dims[1];
  const raw = t.find((f) => f.field === TENSOR.rawData && f.wire === 2);
  let values: Float32Array;
  if (raw?.wire === 2) {
    if (raw.value.length !== 4 * c) return null;
    // Copied to an aligned buffer; ONNX stores little-endian, as every platform Node runs on.
    values = new Float32Array(Uint8Array.from(raw.value).buffer);
  } else {
    const packed = t.find((f) => f.field === TENSOR.floatData && f.wire === 2);
    const loose = fieldsOf(t, TENSOR.floatData).filter((f) => f.wire === 5);
    if (packed?.wire === 2) values = new Float32Array(Uint8Array.from(packed.value).buffer);
    else
      values = Float32Array.from(loose, (f) =>
        new DataView(Uint8Array.from(f.value).buffer).getFloat32(0, true),
      );
  }
  return values.length === c && c > 0 ? values : null;
}

function nodeOf(op: string, inputs: string[], outputs: string[], name: string, attrs: Field[] = []): Field {
  return bytesField(
    GRAPH.node,
    encodeMessage([
      ...inputs.map((x) => bytesField(NODE.input, x)),
      ...outputs.map((x) => bytesField(NODE.output, x)),
      bytesField(NODE.name, name),
      bytesField(NODE.opType, op),
      ...attrs,
    ]),
  );
}

const intAttr = (name: string, v: number): Field =>
  bytesField(
    NODE.attribute,
    encodeMessage([bytesField(ATTR.name, name), intField(ATTR.i, v), intField(ATTR.type, ATTR_INT)]),
  );

const intsAttr = (name: string, vs: number[]): Field =>
  bytesField(
    NODE.attribute,
    encodeMessage([
      bytesField(ATTR.name, name),
      ...vs.map((v) => intField(ATTR.ints, v)),
      intField(ATTR.type, ATTR_INTS),
    ]),
  );

function floatTensor(name: string, dims: number[], values: Float32Array): Field {
  return bytesField(
    GRAPH.initializer,
    encodeMessage([
      ...dims.map((d) => intField(TENSOR.dims, d)),
      intField(TENSOR.dataType, FLOAT),
      bytesField(TENSOR.name, name),
      bytesField(TENSOR.rawData, new Uint8Array(values.buffer, values.byteOffset, values.byteLength)),
    ]),
  );
}
