// Typed errors, one class per kind of mistake, named after TFP's Python exceptions so that users
// coming from TFP recognise them. `TypeError` is JavaScript's own and is used as such.

/** An argument has the right type but an unsupported value (TFP/Python `ValueError`). */
export class ValueError extends Error {
  /** Always `'ValueError'`. */
  override name = 'ValueError';
}

/** A combination TFP itself does not implement, e.g. a KL pair with no analytic rule. */
export class NotImplementedError extends Error {
  /** Always `'NotImplementedError'`. */
  override name = 'NotImplementedError';
}

/** A runtime argument failed a check (TF's `InvalidArgumentError`), e.g. an empty Sequential. */
export class InvalidArgumentError extends Error {
  /** Always `'InvalidArgumentError'`. */
  override name = 'InvalidArgumentError';
}

/** A non-finite value was met where `checkNumerics` was asked for. */
export class NumericalError extends Error {
  /** Always `'NumericalError'`. */
  override name = 'NumericalError';
}

/** Throws `ValueError(message())` unless `ok`; the message is built only on failure. */
export function assertValue(ok: boolean, message: () => string): asserts ok {
  if (!ok) throw new ValueError(message());
}

/** A requested compute backend cannot start here, e.g. WebGPU from Node on a machine with no GPU. */
export class BackendUnavailableError extends Error {
  /** Always `'BackendUnavailableError'`. */
  override name = 'BackendUnavailableError';
}
