/** Why a Keras import failed; lets callers (CLI, tests) react without parsing messages. */
export type KerasImportErrorCode =
  | "FILE_NOT_FOUND"
  | "NOT_HDF5"
  | "NOT_KERAS_MODEL"
  | "UNSUPPORTED_LAYER"
  | "UNSUPPORTED_CONFIG"
  | "WEIGHTS_MISMATCH"
  | "BAD_ARGUMENT";

/** Any failure while reading a Keras `.h5` file or turning it into a TF.js model. */
export class KerasImportError extends Error {
  constructor(
    readonly code: KerasImportErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "KerasImportError";
  }
}

/** A layer class (or a layer option) that the importer cannot express in TF.js. */
export class UnsupportedLayerError extends KerasImportError {
  constructor(
    readonly className: string,
    readonly layerName: string,
    detail?: string,
  ) {
    super(
      detail ? "UNSUPPORTED_CONFIG" : "UNSUPPORTED_LAYER",
      detail
        ? `layer "${layerName}" (${className}): ${detail}`
        : `unsupported Keras layer type ${className} (layer "${layerName}"); supported: see SUPPORTED_KERAS_LAYERS`,
    );
    this.name = "UnsupportedLayerError";
  }
}

/** A `.npy` file that is not a plain little-endian float32/uint8 array in C order. */
export class NpyFormatError extends Error {
  constructor(path: string, detail: string) {
    super(`${path}: not a supported .npy file (${detail})`);
    this.name = "NpyFormatError";
  }
}
