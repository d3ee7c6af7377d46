export { type ConvertedKerasModel, loadKerasH5, type ModelSummary, summarize } from "./convert.ts";
export { KerasImportError, NpyFormatError, UnsupportedLayerError } from "./errors.ts";
export { type ImportH5Options, type ImportH5Result, importKerasH5 } from "./import-h5.ts";
export { SUPPORTED_KERAS_LAYERS } from "./layer-converters.ts";
export { type NpyArray, parseNpy, readNpy } from "./npy.ts";
