// tfp.nn.losses (NN.md §9): Monte Carlo KL numbers of ORACLES.md §8, exact KL (and its failure for
// the default prior), computeExtraLoss with lossFn forwarded recursively, the legacy penalty
// (= MC KL · penaltyWeight at the same posteriorValue), negloglik.
import * as tf from '@tensorflow/tfjs';
import {describe, expect, it} from 'vitest';

import {Categorical} from '../../src/distributions/categorical.js';
import type {Distribution} from '../../src/distributions/distribution.js';
import {Normal} from '../../src/distributions/normal.js';
import {
  AffineVariationalFlipout, AffineVariationalReparameterization, Affine, Sequential,
} from '../../src/nn/index.js';
import {computeExtraLoss, klDivergenceExact, klDivergenceMonteCarlo, negloglik} from '../../src/nn/losses.js';
import {spikeAndSlab} from '../../src/nn/util.js';
import {NotImplementedError, ValueError} from '../../src/util/errors.js';
import {expectClose} from '../helpers/oracles.js';

describe('klDivergenceMonteCarlo', () => {
  it('q = N(0.1, 0.01), w = 0.12: 3.3050139 vs spike-and-slab, 2.6123702 vs N(0, 1) (ORACLES §8)', () => {
    const q = new Normal({loc: 0.1, scale: 0.01});
    const w = tf.scalar(0.12);
    expectClose(klDivergenceMonteCarlo(q, spikeAndSlab(), w), [3.3050139], 1e-5);
    expectClose(klDivergenceMonteCarlo(q, new Normal({loc: 0, scale: 1}), w), [2.6123702], 1e-5);
  });

  it('a non-reparameterized q (DiCE surrogate) has the same value log q(w) − log r(w)', () => {
    const q = new Categorical({probs: [0.2, 0.8]});
    const r = new Categorical({probs: [0.5, 0.5]});
    expectClose(klDivergenceMonteCarlo(q, r, tf.scalar(1, 'int32')), [Math.log(0.8 / 0.5)], 1e-6);
  });
});

describe('klDivergenceExact', () => {
  it('is the analytic KL: KL(N(0.5, 0.5) ‖ N(0, 1)) = ln2 − ¼ (ORACLES §2)', () => {
    expectClose(klDivergenceExact(new Normal({loc: 0.5, scale: 0.5}), new Normal({loc: 0, scale: 1})),
        [0.4431471806], 1e-6);
  });

  it('throws NotImplementedError for the default nn prior (spike-and-slab)', () => {
    const layer = new AffineVariationalReparameterization(2, 2);
    layer.call(tf.ones([1, 2]));
    expect(() => computeExtraLoss(layer, klDivergenceExact)).toThrowError(NotImplementedError);
    expect(() => klDivergenceExact(layer.posterior, layer.prior)).toThrowError(/No KL.*Independent.*Sample/);
  });
});

describe('computeExtraLoss', () => {
  it('before any call is a ValueError (no posterior draw yet)', () => {
    expect(() => computeExtraLoss(new AffineVariationalFlipout(2, 2))).toThrowError(ValueError);
    expect(() => computeExtraLoss(new AffineVariationalFlipout(2, 2))).toThrowError(/posteriorValue.*null/);
  });

  it('is log q(w) − log p(w) at the latest posteriorValue, summed over a Sequential', () => {
    const a = new AffineVariationalFlipout(3, 2, {seed: 1});
    const b = new AffineVariationalReparameterization(2, 2, {seed: 2});
    const seq = new Sequential([a, new Affine(2, 2), b]);
    seq.call(tf.ones([4, 3]));
    const mc = (l: AffineVariationalFlipout | AffineVariationalReparameterization): number =>
      tf.sub(l.posterior.logProb(l.posteriorValue as tf.Tensor[]), l.prior.logProb(l.posteriorValue as tf.Tensor[]))
          .dataSync()[0] as number;
    expectClose(computeExtraLoss(a), [mc(a)], 1e-3, 1e-5);
    expectClose(computeExtraLoss(seq), [mc(a) + mc(b)], 1e-2, 1e-5);
    expectClose(computeExtraLoss(new Affine(2, 2)), [0]);
  });

  it('forwards lossFn to nested layers (TFP bug not reproduced)', () => {
    const a = new AffineVariationalFlipout(3, 2);
    const b = new AffineVariationalReparameterization(2, 2);
    const seq = new Sequential([new Sequential([a]), new Sequential([new Sequential([b])])]);
    seq.call(tf.ones([1, 3]));
    const seen: Distribution<tf.Tensor[]>[] = [];
    const lossFn = (q: Distribution<tf.Tensor[]>): tf.Tensor => {
      seen.push(q);
      return tf.scalar(1.5);
    };
    expectClose(computeExtraLoss(seq, lossFn), [3]);
    expect(seen).toEqual([a.posterior, b.posterior]);
  });
});

describe('legacy penaltyWeight / extraLoss', () => {
  it('extraLoss = MC KL at the same posteriorValue × penaltyWeight; null when not training', () => {
    const layer = new AffineVariationalFlipout(3, 2, {penaltyWeight: 0.01, seed: 3});
    expect(layer.extraLoss).toBeNull();
    layer.call(tf.ones([2, 3]));
    const kl = computeExtraLoss(layer).dataSync()[0] as number;
    expectClose(layer.extraLoss as tf.Tensor, [0.01 * kl], 1e-6, 1e-5);
    layer.call(tf.ones([2, 3]), {isTraining: false});
    expect(layer.extraLoss).toBeNull();
  });

  it('posteriorPenaltyFn replaces the MC KL', () => {
    const layer = new AffineVariationalReparameterization(3, 2, {penaltyWeight: 2,
      posteriorPenaltyFn: () => tf.scalar(0.25)});
    layer.call(tf.ones([2, 3]));
    expectClose(layer.extraLoss as tf.Tensor, [0.5]);
  });
});

describe('negloglik', () => {
  it('is −mean(modelFn(x).logProb(y)) over the last axis', () => {
    const x = tf.tensor2d([[0, 1], [2, 3]]);
    const y = tf.tensor2d([[0, 2], [2, 3]]);
    // log N(y; x, 1) = −½(y − x)² − ½ log 2π: rows −[0.9189385 + 1.4189385]/2, −0.9189385.
    expectClose(negloglik(x, y, (t) => new Normal({loc: t, scale: 1})), [1.1689385, 0.9189385], 1e-6);
  });
});
