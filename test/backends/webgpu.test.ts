// setWebGPUBackend on a machine without a GPU: it must reject with a typed, explanatory error and
// leave the active backend alone. On a GPU machine (TFP_EXPECT_WEBGPU=1) it must succeed instead.
import * as tf from '@tensorflow/tfjs-core';
import {describe, expect, it} from 'vitest';

import {setWebGPUBackend} from '../../src/backends/webgpu.js';
import {BackendUnavailableError, ValueError} from '../../src/util/errors.js';

const expectGpu = process.env['TFP_EXPECT_WEBGPU'] === '1';

describe('setWebGPUBackend', () => {
  it.skipIf(expectGpu)('rejects with BackendUnavailableError naming the missing adapter when there is no GPU', async () => {
    const before = tf.getBackend();
    const err = await setWebGPUBackend().then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(BackendUnavailableError);
    expect(String(err)).toMatch(/BackendUnavailableError: setWebGPUBackend: no WebGPU adapter found.*Vulkan/);
    expect(tf.getBackend()).toBe(before);
    expect((globalThis as {navigator?: {gpu?: unknown}}).navigator?.gpu).toBeUndefined();
    expect('GPUBufferUsage' in globalThis).toBe(false);    // Dawn's globals are installed only on success
  });

  it('refuses an unknown powerPreference by name, as a ValueError', async () => {
    const err = await setWebGPUBackend({powerPreference: 'fast' as 'low-power'}).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(ValueError);
    expect(String(err)).toMatch(/powerPreference must be .*got "fast"/);
  });

  it.runIf(expectGpu)('starts the webgpu backend and computes a matmul read asynchronously', async () => {
    const info = await setWebGPUBackend();
    expect(info.backend).toBe('webgpu');
    const y = tf.matMul(tf.tensor2d([[1, 2], [3, 4]]), tf.tensor2d([[1], [1]]));
    expect(Array.from(await y.data())).toEqual([3, 7]);   // by hand: 1+2, 3+4
    expect(() => y.dataSync()).toThrow();                  // sync reads need OffscreenCanvas
    await tf.setBackend('cpu');
  });
});
