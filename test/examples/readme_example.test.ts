// The README's example runs as written (imported by package name) and its ELBO decreases.
import {describe, expect, it} from 'vitest';

describe('README example (examples/node/readme_example.ts)', () => {
  it('runs as written and the loss (MSE + KL/N) decreases', async () => {
    const {losses} = await import('../../examples/node/readme_example.js');
    expect(losses.at(-1)).toBeLessThan(0.6 * (losses[0] as number));
  });
});
