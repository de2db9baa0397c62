/**
 * Register values are integers with a decimal scaler (Blue Book class 3 scaler_unit): value = raw × 10^scaler.
 * `applyScaler` gives the double nearest to the exact decimal result, the same number the decimal literal
 * would give (2337, -1 → 233.7, never 233.70000000000002).
 *
 * Why it is exact: for |raw| ≤ 2^53 and |scaler| ≤ 22 both raw and 10^|scaler| are exact doubles, and IEEE 754
 * division and multiplication round the exact result once. Everything else (bigints beyond 2^53, float raws,
 * huge scalers) goes through one decimal string parse, which also rounds once.
 */

/** Exact powers of ten 10^0..10^22 (all exactly representable as doubles). */
const POW10: readonly number[] = Array.from({ length: 23 }, (_, i) => Number(`1e${i}`));

/** raw × 10^scaler, correctly rounded to the nearest double. */
export function applyScaler(raw: number | bigint, scaler: number): number {
  if (typeof raw === 'bigint') {
    if (raw >= -9007199254740991n && raw <= 9007199254740991n) return applyScaler(Number(raw), scaler);
    return Number(`${raw}e${scaler}`);
  }
  if (scaler === 0) return raw;
  if (Number.isSafeInteger(raw) && scaler >= -22 && scaler <= 22) {
    return scaler < 0 ? raw / POW10[-scaler]! : raw * POW10[scaler]!;
  }
  if (!Number.isFinite(raw)) return raw;
  return Number(`${raw}e${scaler}`);
}
