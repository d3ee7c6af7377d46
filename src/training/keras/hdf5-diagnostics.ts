import fs from "node:fs";

const STDERR_FD = 2;

/**
 * Runs synchronous h5wasm calls while capturing the HDF5 library's "HDF5-DIAG" error dumps, which
 * it writes straight to file descriptor 2 (h5wasm's Node build uses `fs.writeSync`) on every failed
 * call. Callers turn failures into one clear error instead, using {@link hdf5Reason} for the
 * library's own explanation. The calls are synchronous, so nothing else can write meanwhile.
 */
export function withHdf5Diagnostics<T>(run: (diagnostics: string[]) => T): T {
  const diagnostics: string[] = [];
  const originalWriteSync = fs.writeSync;
  const capture = (fd: number, buffer: unknown, ...rest: unknown[]): number => {
    if (fd === STDERR_FD && ArrayBuffer.isView(buffer)) {
      const [offset = 0, length = buffer.byteLength - Number(offset)] = rest as [number?, number?];
      const bytes = new Uint8Array(buffer.buffer, buffer.byteOffset + offset, length);
      diagnostics.push(Buffer.from(bytes).toString("utf8"));
      return length;
    }
    return (originalWriteSync as (...args: unknown[]) => number)(fd, buffer, ...rest);
  };
  fs.writeSync = capture as typeof fs.writeSync;
  try {
    return run(diagnostics);
  } finally {
    fs.writeSync = originalWriteSync;
  }
}

/** The innermost HDF5 error message of a dump, e.g. "truncated file: eof = 300000, ...". */
export function hdf5Reason(diagnostics: string[]): string | undefined {
  const messages = diagnostics
    .join("")
    .split("\n")
    .map((line) => /#\d{3}:.*?\(\): (.*)$/.exec(line)?.[1])
    .filter((m): m is string => m !== undefined);
  return messages.at(-1);
}
