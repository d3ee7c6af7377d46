import { UnsupportedLayerError } from "./errors.ts";
import type { Json, JsonObject } from "./json.ts";

/** A TF.js layer class name and its (pythonic, snake_case) config, as TF.js's model.json expects. */
export interface TfjsLayerSpec {
  class_name: string;
  config: JsonObject;
}

/** What a converter knows about the layer being converted. */
export interface LayerContext {
  className: string;
  name: string;
  config: JsonObject;
  /** Major Keras version that wrote the file (2 or 3); some defaults differ between them. */
  kerasMajor: number;
}

type LayerConverter = (ctx: LayerContext) => TfjsLayerSpec;

/**
 * Keras layer classes the importer understands. Configs are rebuilt field by field (not copied) so
 * Keras-only fields (dtype policies, initializers, regularizers, quantization) never reach TF.js,
 * and options TF.js cannot honour fail loudly instead of being silently dropped.
 */
const CONVERTERS: Record<string, LayerConverter> = {
  InputLayer: (ctx) => {
    const shape = ctx.config.batch_shape ?? ctx.config.batch_input_shape;
    if (!Array.isArray(shape)) fail(ctx, "InputLayer has no batch_shape");
    const dtype = ctx.config.dtype === "int32" ? "int32" : "float32";
    return {
      class_name: "InputLayer",
      config: { name: ctx.name, batch_input_shape: shape, dtype, sparse: false },
    };
  },
  Conv2D: (ctx) => {
    if (num(ctx, "groups", 1) !== 1) fail(ctx, "grouped convolution (groups > 1) is not supported");
    return layer(ctx, "Conv2D", {
      filters: num(ctx, "filters"),
      ...convolutionFields(ctx),
      use_bias: bool(ctx, "use_bias", true),
    });
  },
  SeparableConv2D: (ctx) =>
    layer(ctx, "SeparableConv2D", {
      filters: num(ctx, "filters"),
      depth_multiplier: num(ctx, "depth_multiplier", 1),
      ...convolutionFields(ctx),
      use_bias: bool(ctx, "use_bias", true),
    }),
  DepthwiseConv2D: (ctx) =>
    layer(ctx, "DepthwiseConv2D", {
      depth_multiplier: num(ctx, "depth_multiplier", 1),
      ...convolutionFields(ctx),
      use_bias: bool(ctx, "use_bias", true),
    }),
  BatchNormalization: (ctx) => {
    if (ctx.config.renorm === true) fail(ctx, "batch renormalization is not supported");
    const axis = Array.isArray(ctx.config.axis) ? ctx.config.axis : [ctx.config.axis ?? -1];
    if (axis.length !== 1 || typeof axis[0] !== "number")
      fail(ctx, "only a single normalization axis is supported");
    return layer(ctx, "BatchNormalization", {
      axis: axis[0],
      momentum: num(ctx, "momentum", 0.99),
      epsilon: num(ctx, "epsilon", 1e-3),
      center: bool(ctx, "center", true),
      scale: bool(ctx, "scale", true),
    });
  },
  MaxPooling2D: (ctx) => layer(ctx, "MaxPooling2D", poolingFields(ctx)),
  AveragePooling2D: (ctx) => layer(ctx, "AveragePooling2D", poolingFields(ctx)),
  GlobalAveragePooling2D: (ctx) => globalPooling(ctx, "GlobalAveragePooling2D"),
  GlobalMaxPooling2D: (ctx) => globalPooling(ctx, "GlobalMaxPooling2D"),
  Dense: (ctx) => {
    if (num(ctx, "lora_rank", 0) > 0) fail(ctx, "LoRA-enabled Dense layers are not supported");
    return layer(ctx, "Dense", {
      units: num(ctx, "units"),
      activation: activation(ctx, ctx.config.activation),
      use_bias: bool(ctx, "use_bias", true),
    });
  },
  Dropout: (ctx) => layer(ctx, "Dropout", { rate: num(ctx, "rate") }),
  Flatten: (ctx) => layer(ctx, "Flatten", { data_format: channelsLast(ctx) }),
  Reshape: (ctx) => layer(ctx, "Reshape", { target_shape: ctx.config.target_shape ?? null }),
  Activation: (ctx) => layer(ctx, "Activation", { activation: activation(ctx, ctx.config.activation) }),
  ReLU: (ctx) => {
    const slope = num(ctx, "negative_slope", 0);
    if (num(ctx, "threshold", 0) !== 0) fail(ctx, "ReLU with a non-zero threshold is not supported");
    const maxValue = ctx.config.max_value ?? null;
    if (slope === 0) return layer(ctx, "ReLU", { max_value: maxValue });
    if (maxValue !== null) fail(ctx, "ReLU with both negative_slope and max_value is not supported");
    return layer(ctx, "LeakyReLU", { alpha: slope });
  },
  LeakyReLU: (ctx) =>
    // Keras 2 calls the slope `alpha` (default 0.3); Keras 3 calls it `negative_slope` (same default).
    layer(ctx, "LeakyReLU", { alpha: ctx.config.negative_slope ?? ctx.config.alpha ?? 0.3 }),
  Softmax: (ctx) => layer(ctx, "Softmax", { axis: num(ctx, "axis", -1) }),
  Add: (ctx) => layer(ctx, "Add", {}),
  Multiply: (ctx) => layer(ctx, "Multiply", {}),
  Average: (ctx) => layer(ctx, "Average", {}),
  Maximum: (ctx) => layer(ctx, "Maximum", {}),
  Minimum: (ctx) => layer(ctx, "Minimum", {}),
  Concatenate: (ctx) => layer(ctx, "Concatenate", { axis: num(ctx, "axis", -1) }),
  ZeroPadding2D: (ctx) =>
    layer(ctx, "ZeroPadding2D", { padding: zeroPadding(ctx), data_format: channelsLast(ctx) }),
};

/** Keras layer class names accepted by {@link convertLayer} (besides nested models). */
export const SUPPORTED_KERAS_LAYERS: readonly string[] = Object.keys(CONVERTERS).sort();

/** Converts one Keras layer config into the equivalent TF.js layer spec, or throws naming the layer. */
export function convertLayer(ctx: LayerContext): TfjsLayerSpec {
  const convert = CONVERTERS[ctx.className];
  if (!convert) throw new UnsupportedLayerError(ctx.className, ctx.name);
  return convert(ctx);
}

function layer(ctx: LayerContext, className: string, fields: JsonObject): TfjsLayerSpec {
  return {
    class_name: className,
    config: { name: ctx.name, trainable: ctx.config.trainable !== false, ...fields },
  };
}

function convolutionFields(ctx: LayerContext): JsonObject {
  return {
    kernel_size: pair(ctx, "kernel_size"),
    strides: pair(ctx, "strides", 1),
    padding: padding(ctx),
    data_format: channelsLast(ctx),
    dilation_rate: pair(ctx, "dilation_rate", 1),
    activation: activation(ctx, ctx.config.activation),
  };
}

function poolingFields(ctx: LayerContext): JsonObject {
  const poolSize = pair(ctx, "pool_size", 2);
  // Keras uses strides = pool_size when strides is null.
  const strides = ctx.config.strides == null ? poolSize : pair(ctx, "strides");
  return { pool_size: poolSize, strides, padding: padding(ctx), data_format: channelsLast(ctx) };
}

function globalPooling(ctx: LayerContext, className: string): TfjsLayerSpec {
  if (ctx.config.keepdims === true) fail(ctx, "keepdims=True is not supported");
  return layer(ctx, className, { data_format: channelsLast(ctx) });
}

function zeroPadding(ctx: LayerContext): Json {
  const p = ctx.config.padding ?? 1;
  if (typeof p === "number")
    return [
      [p, p],
      [p, p],
    ];
  if (Array.isArray(p) && p.length === 2) {
    return p.map((side) => (typeof side === "number" ? [side, side] : side));
  }
  return fail(ctx, `cannot read padding ${JSON.stringify(p)}`);
}

function padding(ctx: LayerContext): string {
  const p = ctx.config.padding ?? "valid";
  if (p !== "valid" && p !== "same") fail(ctx, `padding "${String(p)}" is not supported (only valid/same)`);
  return p;
}

function channelsLast(ctx: LayerContext): string {
  const f = ctx.config.data_format ?? "channels_last";
  if (f !== "channels_last") fail(ctx, `data_format "${String(f)}" is not supported (only channels_last)`);
  return f;
}

/** Keras activation name → TF.js activation name (TF.js camel-cases it on load). */
const ACTIVATIONS: Record<string, string> = {
  linear: "linear",
  relu: "relu",
  relu6: "relu6",
  sigmoid: "sigmoid",
  softmax: "softmax",
  tanh: "tanh",
  elu: "elu",
  selu: "selu",
  softplus: "softplus",
  softsign: "softsign",
  swish: "swish",
  silu: "swish",
  gelu: "gelu",
};

function activation(ctx: LayerContext, value: Json | undefined): string {
  // Keras 3 may serialize an activation as {"class_name": "function", "config": "relu", ...}.
  const name =
    value == null
      ? "linear"
      : typeof value === "string"
        ? value
        : !Array.isArray(value) && typeof value === "object" && typeof value.config === "string"
          ? value.config
          : JSON.stringify(value);
  // Keras 2's hard_sigmoid is 0.2x+0.5 (as in TF.js); Keras 3 changed it to relu6(x+3)/6.
  if (name === "hard_sigmoid" && ctx.kerasMajor < 3) return "hard_sigmoid";
  const mapped = ACTIVATIONS[name];
  if (!mapped) fail(ctx, `activation "${name}" is not supported`);
  return mapped;
}

function pair(ctx: LayerContext, key: string, fallback?: number): Json {
  const v = ctx.config[key] ?? fallback;
  if (typeof v === "number") return [v, v];
  if (Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === "number")) return v;
  return fail(ctx, `${key} must be a number or a pair of numbers, got ${JSON.stringify(v)}`);
}

function num(ctx: LayerContext, key: string, fallback?: number): number {
  const v = ctx.config[key];
  if (typeof v === "number") return v;
  if (v == null && fallback !== undefined) return fallback;
  return fail(ctx, v == null ? `${key} is missing` : `${key} must be a number, got ${JSON.stringify(v)}`);
}

function bool(ctx: LayerContext, key: string, fallback: boolean): boolean {
  const v = ctx.config[key];
  return typeof v === "boolean" ? v : fallback;
}

function fail(ctx: LayerContext, detail: string): never {
  throw new UnsupportedLayerError(ctx.className, ctx.name, detail);
}
