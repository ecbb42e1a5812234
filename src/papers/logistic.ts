/**
 * Binary logistic regression over sparse vectors: L2-regularised, optionally class-balanced,
 * fitted by full-batch accelerated gradient descent for a fixed number of steps, so the same
 * data always gives the same weights. Pure; small enough to train per topic or per reader.
 */

/** A sparse vector: parallel arrays of feature indices and values. */
export interface SparseVector {
  indices: number[];
  values: number[];
}

export interface LogisticOptions {
  /** L2 penalty on the weights (not the bias), per example. */
  l2: number;
  /** Gradient steps; the loss is smooth and strongly convex, so a few hundred converge. */
  iterations: number;
  /** Weigh positives and negatives so each class counts half (few positives are common). */
  balanced: boolean;
  /** Each example's own weight (default 1), e.g. less for weaker evidence; parallel to xs. */
  exampleWeights?: number[];
  /**
   * A fixed logit per example that the model corrects (a prior belief; default 0).
   */
  offsets?: number[];
  /** Whether to fit the bias (default true); false keeps it at 0, all correction in the weights. */
  fitBias?: boolean;
}

export interface LogisticModel {
  weights: Float64Array;
  bias: number;
}

export function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

export function dot(weights: ArrayLike<number>, x: SparseVector): number {
  let sum = 0;
  for (let k = 0; k < x.indices.length; k++) sum += weights[x.indices[k]!]! * x.values[k]!;
  return sum;
}

/** Probability that `x` is positive. */
export function predict(model: LogisticModel, x: SparseVector): number {
  return sigmoid(dot(model.weights, x) + model.bias);
}

/** Fit weights over `dimensions` features to the labels; `xs` and `ys` are parallel. */
export function trainLogistic(
  xs: SparseVector[],
  ys: boolean[],
  dimensions: number,
  options: LogisticOptions,
  /** Features penalised by only this share of l2 (a prior trusted more than the rest). */
  lightlyPenalised: Map<number, number> = new Map(),
): LogisticModel {
  const n = xs.length;
  const sampleWeights = classWeights(ys, options.balanced, options.exampleWeights);
  const penalty = new Float64Array(dimensions).fill(options.l2);
  for (const [j, share] of lightlyPenalised) penalty[j] = options.l2 * share;
  let largestPenalty = 0;
  for (const p of penalty) largestPenalty = Math.max(largestPenalty, p);
  const step = 1 / (curvature(xs, sampleWeights, dimensions) / 4 + largestPenalty);

  // Nesterov's scheme: gradients are taken at a look-ahead point y, w is the iterate.
  const w = new Float64Array(dimensions + 1); // the last entry is the bias
  const y = new Float64Array(dimensions + 1);
  const grad = new Float64Array(dimensions + 1);
  let t = 1;
  for (let iteration = 0; iteration < options.iterations && n > 0; iteration++) {
    gradient(xs, ys, sampleWeights, y, penalty, grad, options);
    const tNext = (1 + Math.sqrt(1 + 4 * t * t)) / 2;
    const momentum = (t - 1) / tNext;
    for (let j = 0; j <= dimensions; j++) {
      const next = y[j]! - step * grad[j]!;
      y[j] = next + momentum * (next - w[j]!);
      w[j] = next;
    }
    t = tNext;
  }
  return { weights: w.subarray(0, dimensions), bias: w[dimensions]! };
}

/**
 * Largest eigenvalue of the weighted second-moment matrix (1/n)·Σ wᵢ·[xᵢ,1][xᵢ,1]ᵀ, the bound
 * on the log-loss's curvature (times 4) that sets the step. Power iteration from the all-ones
 * vector (features are non-negative, so it is not orthogonal to the top eigenvector), with a
 * margin because it approaches the eigenvalue from below.
 */
function curvature(xs: SparseVector[], sampleWeights: number[], dimensions: number): number {
  let v = new Float64Array(dimensions + 1).fill(1 / Math.sqrt(dimensions + 1));
  let eigenvalue = 0;
  for (let round = 0; round < 30; round++) {
    const next = new Float64Array(dimensions + 1);
    xs.forEach((x, i) => {
      const coefficient = (sampleWeights[i]! * (dot(v, x) + v[dimensions]!)) / xs.length;
      for (let k = 0; k < x.indices.length; k++) next[x.indices[k]!]! += coefficient * x.values[k]!;
      next[dimensions]! += coefficient;
    });
    let normSq = 0;
    for (const value of next) normSq += value * value;
    const norm = Math.sqrt(normSq);
    if (norm === 0) return 1;
    eigenvalue = norm;
    v = next.map((value) => value / norm);
  }
  return 1.25 * eigenvalue;
}

/** Example weights, scaled per class when balanced so each class's weights sum to half. */
function classWeights(ys: boolean[], balanced: boolean, own?: number[]): number[] {
  const base = ys.map((_, i) => own?.[i] ?? 1);
  let positives = 0;
  let total = 0;
  ys.forEach((y, i) => {
    total += base[i]!;
    if (y) positives += base[i]!;
  });
  const negatives = total - positives;
  if (!balanced || positives === 0 || negatives === 0) return base;
  return base.map((w, i) => (w * ys.length) / (2 * (ys[i] ? positives : negatives)));
}

/** Gradient of mean weighted log-loss + Σ penaltyⱼ/2·wⱼ² at `at` (bias last), into `out`. */
function gradient(
  xs: SparseVector[],
  ys: boolean[],
  sampleWeights: number[],
  at: Float64Array,
  penalty: Float64Array,
  out: Float64Array,
  { offsets, fitBias = true }: Pick<LogisticOptions, "offsets" | "fitBias">,
): void {
  const biasIndex = at.length - 1;
  for (let j = 0; j < biasIndex; j++) out[j] = penalty[j]! * at[j]!;
  out[biasIndex] = 0;
  const n = xs.length;
  for (let i = 0; i < n; i++) {
    const x = xs[i]!;
    const z = dot(at, x) + at[biasIndex]! + (offsets?.[i] ?? 0);
    const error = (sampleWeights[i]! * (sigmoid(z) - (ys[i] ? 1 : 0))) / n;
    for (let k = 0; k < x.indices.length; k++) out[x.indices[k]!]! += error * x.values[k]!;
    if (fitBias) out[biasIndex]! += error;
  }
}
