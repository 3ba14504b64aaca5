// The Flipout paper's central claim (Wen et al. 2018, §3 and Fig. 2): at batch 128 the stochastic
// gradient of the loss with respect to the posterior loc has lower variance with Flipout than with
// the reparameterization estimator (one kernel draw shared by the batch), on the same layer, the
// same posterior and the same data.
//
// Estimator: for each layer kind, R independent forward/backward passes give gradients g_r of the
// batch-mean squared error w.r.t. the kernel loc μ (shape [in, units]). The total variance
// V = E‖g − E g‖² is estimated by V̂ = (1/(R−1)) Σ_r ‖g_r − ḡ‖², with standard error
// sd_r(‖g_r − ḡ‖²)/√R. The test requires V̂_rep − V̂_flip > 5·√(SE_rep² + SE_flip²).
import * as tf from '@tensorflow/tfjs';
import {describe, expect, it} from 'vitest';

import * as tfp from '../../src/index.js';

const B = 128;
const IN = 16;
const UNITS = 8;
const R = 300;

function gradients(make: (seed: number) => tf.layers.Layer, x: tf.Tensor2D, y: tf.Tensor2D,
    loc: tf.Tensor, u: tf.Tensor, bias: tf.Tensor): Float64Array[] {
  const layer = make(5);
  layer.apply(x);
  layer.setWeights([loc, u, bias]);
  const locVar = (layer.trainableWeights[0] as unknown as {read(): tf.Variable}).read();
  const out: Float64Array[] = [];
  for (let r = 0; r < R; r++) {
    const g = tf.tidy(() => {
      const {grads} = tf.variableGrads(() => tf.losses.meanSquaredError(y, layer.apply(x) as tf.Tensor) as tf.Scalar, [locVar]);
      return grads[locVar.name] as tf.Tensor;
    });
    out.push(Float64Array.from(g.dataSync()));
    g.dispose();
  }
  return out;
}

function totalVariance(gs: Float64Array[]): {v: number; se: number} {
  const d = gs[0]!.length;
  const mean = new Float64Array(d);
  for (const g of gs) for (let j = 0; j < d; j++) mean[j]! += g[j]! / gs.length;
  const z = gs.map((g) => g.reduce((s, v, j) => s + (v - mean[j]!) ** 2, 0));
  const n = z.length;
  const v = z.reduce((a, b) => a + b, 0) / (n - 1);
  const zm = z.reduce((a, b) => a + b, 0) / n;
  const sd = Math.sqrt(z.reduce((a, b) => a + (b - zm) ** 2, 0) / (n - 1));
  return {v, se: sd / Math.sqrt(n)};
}

describe('Flipout gradient variance (Wen et al. 2018)', () => {
  it('is lower than reparameterization\'s at batch 128 on the same layer, posterior and data (5 SE)', () => {
    const x = tf.randomNormal([B, IN], 0, 1, 'float32', 21) as tf.Tensor2D;
    const y = tf.randomNormal([B, UNITS], 0, 1, 'float32', 22) as tf.Tensor2D;
    const loc = tf.randomNormal([IN, UNITS], 0, 0.3, 'float32', 23);
    const u = tf.fill([IN, UNITS], -1);   // σ = softplus(−1) ≈ 0.313
    const bias = tf.zeros([UNITS]);
    const rep = totalVariance(gradients((seed) => tfp.layers.denseReparameterization({units: UNITS, seed}), x, y, loc, u, bias));
    const flip = totalVariance(gradients((seed) => tfp.layers.denseFlipout({units: UNITS, seed}), x, y, loc, u, bias));
    const ratio = rep.v / flip.v;
    // Reported in docs/REGRESSION.md ("Flipout's gradient variance").
    console.log(`gradient variance w.r.t. the kernel loc at batch ${B}: reparameterization ` +
        `${rep.v.toExponential(3)} ± ${rep.se.toExponential(1)}, Flipout ${flip.v.toExponential(3)} ± ` +
        `${flip.se.toExponential(1)}; ratio ${ratio.toFixed(1)}`);
    expect(rep.v - flip.v).toBeGreaterThan(5 * Math.hypot(rep.se, flip.se));
  });
});
