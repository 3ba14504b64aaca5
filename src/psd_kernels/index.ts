// tfp.psdKernels: positive semidefinite kernels for Gaussian processes.
// Port of tensorflow_probability/python/math/psd_kernels/__init__.py (a subset).
export {PositiveSemidefiniteKernel} from './positive_semidefinite_kernel.js';
export type {KernelArgs} from './positive_semidefinite_kernel.js';
export {ExponentiatedQuadratic} from './exponentiated_quadratic.js';
export {MaternFiveHalves} from './matern.js';
