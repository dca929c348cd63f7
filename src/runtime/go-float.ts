// Go's float64 text forms, the one home for them: strconv.FormatFloat(v, 'f', -1, 64) (count_values labels, API
// values), 'g' with -1 (fmt %g/%v in annotation texts, promtool's dumps), fmt's %f (six decimals, error messages)
// and strconv.ParseFloat (`le`/`quantile` labels, exposition values, template and API answers).

/** Shortest round-trip decimal digits of |v| (no leading/trailing zeros) and the decimal-point position. */
interface ShortestDigits {
  readonly digits: string;
  /** The value is 0.<digits> × 10^dp. */
  readonly dp: number;
}

function shortestDigits(abs: number): ShortestDigits {
  if (abs === 0) return { digits: '0', dp: 1 };
  // toExponential() without an argument yields the shortest digits that round-trip, like Go's shortest mode.
  const s = abs.toExponential();
  const e = s.indexOf('e');
  const mantissa = s.slice(0, e).replace('.', '');
  const exp = Number(s.slice(e + 1));
  return { digits: mantissa, dp: exp + 1 };
}

function nonFinite(v: number): string | undefined {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return undefined;
}

function isNegative(v: number): boolean {
  return v < 0 || Object.is(v, -0);
}

function plain(d: ShortestDigits): string {
  const { digits, dp } = d;
  const nd = digits.length;
  if (dp <= 0) return '0.' + '0'.repeat(-dp) + digits;
  if (dp >= nd) return digits + '0'.repeat(dp - nd);
  return digits.slice(0, dp) + '.' + digits.slice(dp);
}

/** strconv.FormatFloat(v, 'f', -1, 64): shortest digits, never an exponent; "-0", "NaN", "+Inf", "-Inf". */
export function formatFloatGo(v: number): string {
  // JS prints the same shortest digits (closest on ties, as Go), without an exponent while 1e-6 <= |v| < 1e21: the
  // common case, with no digit string to take apart. Zero is left to the general path for "-0".
  const abs = v < 0 ? -v : v;
  if (abs >= 1e-6 && abs < 1e21) return String(v);
  const special = nonFinite(v);
  if (special !== undefined) return special;
  const body = plain(shortestDigits(Math.abs(v)));
  return isNegative(v) ? '-' + body : body;
}

/**
 * strconv.FormatFloat(v, 'g', -1, 64), also what fmt's %g and %v print for a float64: %e form (two-digit
 * exponent at least) when the decimal exponent is < -4 or >= 6 (Go's rule for the shortest precision).
 */
export function formatFloatGoG(v: number): string {
  const special = nonFinite(v);
  if (special !== undefined) return special;
  const d = shortestDigits(Math.abs(v));
  const exp = d.dp - 1;
  let body: string;
  if (v !== 0 && (exp < -4 || exp >= 6)) {
    const mant = d.digits.length > 1 ? d.digits[0] + '.' + d.digits.slice(1) : d.digits;
    const ae = Math.abs(exp);
    body = mant + 'e' + (exp < 0 ? '-' : '+') + (ae < 10 ? '0' : '') + String(ae);
  } else {
    body = plain(d);
  }
  return isNegative(v) ? '-' + body : body;
}

/**
 * labels.FormatOpenMetricsFloat, used for the quantile label of histogram_quantiles(): 'g' shortest, but an
 * integral value gets ".0" ("0.0", "1.0", "-1.0", "1e+06" stays as is).
 */
export function formatOpenMetricsFloat(v: number): string {
  if (v === 0) return '0.0'; // -0 too, as Go's f == 0 case
  const g = formatFloatGoG(v);
  if (!Number.isFinite(v) || g.includes('e') || g.includes('.')) return g;
  return g + '.0';
}

/** fmt's %.<decimals>f (Go's %f is %.6f): fixed notation without an exponent; "NaN", "+Inf", "-Inf". */
export function formatGoFixed(v: number, decimals = 6): string {
  const special = nonFinite(v);
  if (special !== undefined) return special;
  const abs = Math.abs(v);
  // toFixed switches to exponent notation from 1e21; such values are integers, so print them exactly.
  const body = abs < 1e21 ? abs.toFixed(decimals) : BigInt(abs).toString() + (decimals > 0 ? '.' + '0'.repeat(decimals) : '');
  return isNegative(v) ? '-' + body : body;
}

const GO_DECIMAL = /^[+-]?(?:\d(?:_?\d)*(?:\.(?:\d(?:_?\d)*)?)?|\.\d(?:_?\d)*)(?:[eE][+-]?\d(?:_?\d)*)?$/;
const GO_HEX = /^([+-]?)0[xX](_?[0-9a-fA-F](?:_?[0-9a-fA-F])*)?(?:\.([0-9a-fA-F](?:_?[0-9a-fA-F])*)?)?[pP]([+-]?\d(?:_?\d)*)$/;

/**
 * strconv.ParseFloat(s, 64) as Prometheus uses it for `le`/`quantile` label values: decimal or hexadecimal
 * (with `p` exponent) literals, optional underscores between digits, "Inf"/"Infinity" with optional sign and
 * "NaN", case-insensitive. Returns undefined where Go returns an error, including overflow to ±Inf.
 */
export function parseGoFloat(s: string): number | undefined {
  const lower = s.toLowerCase();
  if (lower === 'nan') return NaN;
  const unsigned = lower.startsWith('+') || lower.startsWith('-') ? lower.slice(1) : lower;
  if (unsigned === 'inf' || unsigned === 'infinity') return lower.startsWith('-') ? -Infinity : Infinity;
  let v: number;
  if (GO_DECIMAL.test(s)) {
    v = Number(s.replaceAll('_', ''));
  } else {
    const hex = GO_HEX.exec(s);
    if (hex === null) return undefined;
    const intPart = (hex[2] ?? '').replaceAll('_', '');
    const fracPart = (hex[3] ?? '').replaceAll('_', '');
    if (intPart === '' && fracPart === '') return undefined;
    const mantissa = Number.parseInt((intPart + fracPart) || '0', 16);
    v = mantissa * Math.pow(2, Number(hex[4]?.replaceAll('_', '')) - 4 * fracPart.length);
    if (hex[1] === '-') v = -v;
  }
  if (!Number.isFinite(v)) return undefined;
  return v;
}
