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

/** Whether a gradient tape is recording (inside `tf.grad`, `variableGrads`, `minimize`). */
export function isTapeRecording(): boolean {
  return engineState().gradientDepth > 0;
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
 * replaces its `dataId`); (4) the value is not disposed. The memoized value survives `tf.tidy`
 * scopes and is disposed when the outermost gradient computation ends (nothing outlives the step).
 */
export function tapeMemo(compute: () => tf.Tensor, sources: () => readonly tf.Tensor[]): () => tf.Tensor {
  let value: tf.Tensor | null = null;
  let tape: unknown = null;
  let ids: readonly object[] = [];
  return () => {
    const state = engineState();
    if (!isTapeRecording()) {
      value = null;
      return compute();
    }
    const srcIds = sources().map((s) => s.dataId);
    if (value !== null && !value.isDisposed && tape === state.activeTape && sameIds(ids, srcIds)) {
      return value;
    }
    const activeTape = state.activeTape;
    if (!Array.isArray(activeTape)) return compute();   // engine internals changed: no memo
    // The value must outlive the scopes it was made in (a model's call is one tf.tidy, the KL term
    // is read after it), and die with the step: keep it, and hand it to the tape as a "saved"
    // tensor of an inert node (no inputs, no outputs: never on a gradient path), which tfjs
    // disposes with the tape's other saved tensors when the outermost gradient is done.
    value = tf.keep(compute());
    activeTape.push({id: -1, kernelName: 'tapeMemo', inputs: {}, outputs: [], gradient: null, saved: [value]});
    tape = activeTape;
    ids = srcIds;
    return value;
  };
}

function sameIds(a: readonly object[], b: readonly object[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
