// The Laplace approximation's log marginal likelihood as a function of the prior precision λ of an
// isotropic Gaussian prior N(0, λ⁻¹ I) on the P head parameters, and its maximiser.
//
//   log p(D | λ) ≈ log p(D | θ*) − (λ/2)·‖θ*‖² + (P/2)·log λ − ½ Σ_k log(h_k + λ)
//
// (h_k: eigenvalues of the GGN H; the (2π) terms cancel). In t = log λ it is concave with
// derivative ½(γ(λ) − λ‖θ*‖²), γ = Σ h_k/(h_k + λ) the effective number of parameters
// (MacKay 1992), so the maximiser is the unique root of γ(λ) = λ‖θ*‖², found by bisection in log λ.
import {ValueError} from '../util/errors.js';
import {fmt} from '../util/format.js';

/** What the marginal likelihood needs: the curvature's eigenvalues, ‖θ*‖² and log p(D | θ*). */
export interface EvidenceTerms {
  eigenvalues: Float64Array;
  thetaSquaredNorm: number;
  logLikelihood: number;
}

/** The smallest and largest prior precision {@link maximizeEvidence} returns. */
export const PRIOR_PRECISION_RANGE: readonly [number, number] = [1e-8, 1e8];

/**
 * The Laplace log marginal likelihood at prior precision λ > 0.
 *
 * @example
 * const lml = tfp.laplace.logEvidence({eigenvalues, thetaSquaredNorm, logLikelihood}, 1.0);
 */
export function logEvidence(terms: EvidenceTerms, lambda: number): number {
  if (!(typeof lambda === 'number' && lambda > 0 && Number.isFinite(lambda))) {
    throw new ValueError(`logMarginalLikelihood: priorPrecision must be a finite number > 0; got ${fmt(lambda)}.`);
  }
  const h = terms.eigenvalues;
  let logDet = 0;
  for (let k = 0; k < h.length; k++) logDet += Math.log(Math.max(h[k] as number, 0) + lambda);
  return terms.logLikelihood - 0.5 * lambda * terms.thetaSquaredNorm + 0.5 * h.length * Math.log(lambda) - 0.5 * logDet;
}

/** γ(λ) − λ‖θ*‖² (twice the derivative of the evidence in log λ). */
function slope(terms: EvidenceTerms, lambda: number): number {
  const h = terms.eigenvalues;
  let gamma = 0;
  for (let k = 0; k < h.length; k++) {
    const hk = Math.max(h[k] as number, 0);
    gamma += hk / (hk + lambda);
  }
  return gamma - lambda * terms.thetaSquaredNorm;
}

/**
 * The prior precision that maximises {@link logEvidence}, clamped to {@link PRIOR_PRECISION_RANGE}:
 * bisection in log λ on the sign of the derivative (to 1e-10 relative).
 *
 * @example
 * const lambda = tfp.laplace.maximizeEvidence({eigenvalues, thetaSquaredNorm, logLikelihood});
 */
export function maximizeEvidence(terms: EvidenceTerms): number {
  let lo = Math.log(PRIOR_PRECISION_RANGE[0]);
  let hi = Math.log(PRIOR_PRECISION_RANGE[1]);
  if (slope(terms, Math.exp(lo)) <= 0) return Math.exp(lo);
  if (slope(terms, Math.exp(hi)) >= 0) return Math.exp(hi);
  while (hi - lo > 1e-10) {
    const mid = 0.5 * (lo + hi);
    if (slope(terms, Math.exp(mid)) > 0) lo = mid;
    else hi = mid;
  }
  return Math.exp(0.5 * (lo + hi));
}
