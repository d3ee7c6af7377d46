import * as tf from "@tensorflow/tfjs";
import { type Rng, shuffleInPlace } from "./rng.ts";

export interface HeadOptions {
  hidden: number;
  maxEpochs: number;
  batchSize: number;
  /** Epochs without a better validation loss before stopping. */
  patience: number;
  learningRate: number;
  seed: number;
  /** Stops early when set (SIGTERM); the best weights so far are kept. */
  shouldStop?: () => boolean;
  onEpoch?: (epoch: EpochLog) => void;
}

export const DEFAULT_HEAD_OPTIONS: Omit<HeadOptions, "seed"> = {
  hidden: 128,
  maxEpochs: 200,
  batchSize: 32,
  patience: 15,
  learningRate: 1e-3,
};

export interface EpochLog {
  epoch: number;
  loss: number;
  acc: number;
  valLoss: number;
  valAcc: number;
}

export interface TrainedHead {
  model: tf.LayersModel;
  history: EpochLog[];
  /** Epoch whose weights were kept (lowest validation loss). */
  bestEpoch: number;
}

/**
 * The notebooks' transfer recipe over frozen embeddings: Dense → Dropout 0.5 → BatchNormalization → softmax.
 * Initialisers are seeded; the dropout noise is not (a seeded TF.js dropout draws the same mask every batch).
 */
export function buildHead(inputDim: number, classes: number, hidden: number, seed: number): tf.Sequential {
  const model = tf.sequential();
  model.add(
    tf.layers.dense({
      inputShape: [inputDim],
      units: hidden,
      activation: "relu",
      kernelInitializer: tf.initializers.glorotUniform({ seed }),
      name: "dense",
    }),
  );
  model.add(tf.layers.dropout({ rate: 0.5, name: "dropout" }));
  // A faster-moving average than Keras's 0.99: small datasets give only a few batches per epoch.
  model.add(tf.layers.batchNormalization({ momentum: 0.9, name: "batch_normalization" }));
  model.add(
    tf.layers.dense({
      units: classes,
      activation: "softmax",
      kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }),
      name: "softmax",
    }),
  );
  return model;
}

function toTensors(x: Float32Array[], y: number[], classes: number): [tf.Tensor2D, tf.Tensor2D] {
  const dim = x[0].length;
  const flat = new Float32Array(x.length * dim);
  x.forEach((v, i) => {
    flat.set(v, i * dim);
  });
  return [
    tf.tensor2d(flat, [x.length, dim]),
    tf.oneHot(tf.tensor1d(y, "int32"), classes).toFloat() as tf.Tensor2D,
  ];
}

/** Inverse-frequency class weights: a large negatives class must not drown the people. */
export function classWeights(y: number[], classes: number): Record<number, number> {
  const counts = new Array<number>(classes).fill(0);
  for (const c of y) counts[c]++;
  const out: Record<number, number> = {};
  counts.forEach((n, c) => {
    out[c] = n > 0 ? y.length / (classes * n) : 1;
  });
  return out;
}

/**
 * Trains with early stopping on the validation loss and keeps the best epoch's weights (TF.js has no
 * restore_best_weights). Epochs run one `fit` call at a time so that the batches are shuffled by our seeded rng.
 */
export async function trainHead(
  train: { x: Float32Array[]; y: number[] },
  val: { x: Float32Array[]; y: number[] },
  classes: number,
  opts: HeadOptions,
  rng: Rng,
): Promise<TrainedHead> {
  const model = buildHead(train.x[0].length, classes, opts.hidden, opts.seed);
  model.compile({
    optimizer: tf.train.adam(opts.learningRate),
    loss: "categoricalCrossentropy",
    metrics: ["accuracy"],
  });
  const weights = classWeights(train.y, classes);
  // Without a validation set (tiny data) the training loss stands in, so early stopping still has a signal.
  const hasVal = val.x.length > 0;
  const [vx, vy] = hasVal ? toTensors(val.x, val.y, classes) : [null, null];
  const history: EpochLog[] = [];
  let best: tf.Tensor[] | null = null;
  let bestLoss = Number.POSITIVE_INFINITY;
  let bestEpoch = 0;
  const order = train.x.map((_, i) => i);
  try {
    for (let epoch = 1; epoch <= opts.maxEpochs; epoch++) {
      // One macrotask turn per epoch: with yieldEvery "never" a SIGTERM handler would otherwise never run.
      await new Promise((resolve) => setImmediate(resolve));
      if (opts.shouldStop?.()) break;
      shuffleInPlace(order, rng);
      const [tx, ty] = toTensors(
        order.map((i) => train.x[i]),
        order.map((i) => train.y[i]),
        classes,
      );
      let h: tf.History;
      try {
        h = await model.fit(tx, ty, {
          epochs: 1,
          batchSize: opts.batchSize,
          shuffle: false,
          // "auto" yields to the event loop with a timer after each batch: most of the wall time on small data.
          yieldEvery: "never",
          classWeight: weights,
          verbose: 0,
        });
      } finally {
        tx.dispose();
        ty.dispose();
      }
      const loss = Number(h.history.loss[0]);
      const acc = Number((h.history.acc ?? h.history.accuracy)[0]);
      let valLoss = loss;
      let valAcc = acc;
      if (vx && vy) {
        const r = model.evaluate(vx, vy, { batchSize: 256 }) as tf.Scalar[];
        valLoss = (await r[0].data())[0];
        valAcc = (await r[1].data())[0];
        tf.dispose(r);
      }
      const log = { epoch, loss, acc, valLoss, valAcc };
      history.push(log);
      opts.onEpoch?.(log);
      if (valLoss < bestLoss - 1e-4) {
        bestLoss = valLoss;
        bestEpoch = epoch;
        if (best) tf.dispose(best);
        best = model.getWeights().map((w) => w.clone());
      } else if (epoch - bestEpoch >= opts.patience) break;
    }
    if (best) model.setWeights(best);
  } finally {
    if (best) tf.dispose(best);
    tf.dispose([vx, vy].filter((t): t is tf.Tensor2D => t !== null));
  }
  return { model, history, bestEpoch };
}

/** Softmax rows for a batch of embeddings. */
export function predictProbabilities(model: tf.LayersModel, x: Float32Array[]): Float32Array[] {
  if (x.length === 0) return [];
  const dim = x[0].length;
  const flat = new Float32Array(x.length * dim);
  x.forEach((v, i) => {
    flat.set(v, i * dim);
  });
  return tf.tidy(() => {
    const out = model.predict(tf.tensor2d(flat, [x.length, dim])) as tf.Tensor2D;
    const data = out.dataSync() as Float32Array;
    const k = out.shape[1];
    return x.map((_, i) => data.slice(i * k, (i + 1) * k));
  });
}
