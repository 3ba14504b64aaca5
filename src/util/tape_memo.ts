// Reuse of a derived parameter (e.g. σ = softplus(ρ)) within one gradient recording: the forward
// pass and the KL term of a training step read the same σ, so it is computed (and differentiated)
// once per step instead of once per read.
import * as tf from '@tensorflow/tfjs-core';

interface EngineState {
  gradientDepth: number;
  activeTape: unknown;
}

function engineState(): EngineState {
  return (tf.engine() as unknown as {state: EngineState}).state;
}

/**
 * Wraps `compute` (a pure function of the `sources` tensors' values) so that repeated calls while
 * one gradient tape is recording return the same tensor, which the tape already holds: the
 * gradient flows to the sources through it exactly once per use, as without the memo.
 *
 * The memo is used only when (1) a tape is recording (`tf.grad`/`variableGrads`/`minimize`) —
 * outside, every call computes afresh, so callers may dispose what they get; (2) it is the same
 * tape as when the value was made — a new step or a separate `variableGrads(() => kl)` recomputes,
 * so its tape sees the ops; (3) every source still holds the same data (a `Variable.assign`
 * replaces its `dataId`); (4) the value is not disposed (an inner `tf.tidy` may have released it).
 */
export function tapeMemo(compute: () => tf.Tensor, sources: () => readonly tf.Tensor[]): () => tf.Tensor {
  let value: tf.Tensor | null = null;
  let tape: unknown = null;
  let ids: readonly object[] = [];
  return () => {
    const state = engineState();
    if (!(state.gradientDepth > 0)) {
      value = null;
      return compute();
    }
    const srcIds = sources().map((s) => s.dataId);
    if (value !== null && !value.isDisposed && tape === state.activeTape && sameIds(ids, srcIds)) {
      return value;
    }
    value = compute();
    tape = state.activeTape;
    ids = srcIds;
    return value;
  };
}

function sameIds(a: readonly object[], b: readonly object[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
