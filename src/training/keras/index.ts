export { type ConvertedKerasModel, loadKerasH5, type ModelSummary, summarize } from "./convert.ts";
export { KerasImportError, NpyFormatError, UnsupportedLayerError } from "./errors.ts";
export { type ImportH5Options, type ImportH5Result, importKerasH5, readClassNames } from "./import-h5.ts";
export { SUPPORTED_KERAS_LAYERS } from "./layer-converters.ts";
export { type NpyArray, parseNpy, readNpy } from "./npy.ts";
export { initTfjsBackend } from "./tfjs-backend.ts";
export { fileSystemLoader, fileSystemSaver, MODEL_JSON, WEIGHTS_BIN } from "./tfjs-fs-io.ts";
