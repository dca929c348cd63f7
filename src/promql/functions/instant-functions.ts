// Per-sample math of PromQL's instant-vector functions (abs … rad, round, clamp*), matching Go's math package
// results that Prometheus returns, including its NaN, ±Inf and -0 behaviour.

/** One-argument float functions by PromQL name; the engine applies them to every float sample. */
export const MATH_FUNCTIONS: Readonly<Record<string, (v: number) => number>> = Object.freeze({
  abs: Math.abs,
  ceil: Math.ceil,
  floor: Math.floor,
  exp: Math.exp,
  ln: Math.log,
  log2: Math.log2,
  log10: Math.log10,
  sqrt: Math.sqrt,
  // Zero (either sign) and NaN are returned unchanged.
  sgn: (v: number) => (v < 0 ? -1 : v > 0 ? 1 : v),
  sin: Math.sin,
  cos: Math.cos,
  tan: Math.tan,
  asin: Math.asin,
  acos: Math.acos,
  atan: Math.atan,
  sinh: Math.sinh,
  cosh: Math.cosh,
  tanh: Math.tanh,
  asinh: Math.asinh,
  acosh: Math.acosh,
  atanh: Math.atanh,
  // Same operation order as Prometheus (v·π first), so results agree to the last bit.
  deg: (v: number) => (v * 180) / Math.PI,
  rad: (v: number) => (v * Math.PI) / 180,
});

/**
 * round(v, toNearest): rounds to the nearest multiple of toNearest, ties upwards. Prometheus multiplies by the
 * inverse (fewer float artefacts) and computes floor(v·inv + 0.5) / inv.
 */
export function round(v: number, toNearest = 1): number {
  const inverse = 1 / toNearest;
  return Math.floor(v * inverse + 0.5) / inverse;
}

/**
 * clamp(v, min, max) = max(min, min(max, v)) with NaN propagating. Returns undefined when max < min: Prometheus
 * then drops every sample (the result is an empty vector), so the engine must not emit one.
 */
export function clamp(v: number, min: number, max: number): number | undefined {
  if (max < min) return undefined;
  return Math.max(min, Math.min(max, v));
}

/** clamp_min(v, min): clamp(v, min, +Inf); never drops the sample. */
export function clampMin(v: number, min: number): number {
  return Math.max(min, Math.min(Infinity, v));
}

/** clamp_max(v, max): clamp(v, -Inf, max); never drops the sample. */
export function clampMax(v: number, max: number): number {
  return Math.max(-Infinity, Math.min(max, v));
}

