import * as tf from '@tensorflow/tfjs';
import {describe, expect, it} from 'vitest';

import {Normal, klDivergence} from '../../src/distributions/index.js';

describe('Normal', () => {
  it('KL(N(0.5,0.5) ‖ N(0,1)) = ln2 − ¼ (ORACLES §2)', () => {
    const kl = klDivergence(new Normal({loc: 0.5, scale: 0.5}), new Normal({loc: 0, scale: 1}));
    expect(kl.dataSync()[0]).toBeCloseTo(0.4431471806, 6);
  });
});
