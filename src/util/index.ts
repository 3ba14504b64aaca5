// tfp.util: the public helpers of src/util (typed errors and opt-in numerical checks).
export {BackendUnavailableError, InvalidArgumentError, NotImplementedError, NumericalError, ValueError} from './errors.js';
export {CheckNumericsCallback, checkNumerics, checkNumericsCallback, checkNumericsOptimizer,
  countNonFinite} from './numerics.js';
export type {CheckNumericsCallbackArgs, NonFiniteCounts} from './numerics.js';
export {TfjsInstanceError} from './tfjs_instances.js';
