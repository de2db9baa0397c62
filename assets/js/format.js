// Pure formatting helpers for the dashboard (no DOM). Readings are found by OBIS C.D.E (any channel B), the
// same rule the metrics use, so the page works whatever key a profile gives a value.

/** Reading whose OBIS is 1.x.C.D.E.255 for the given "C.D.E", or undefined. */
export function findByCde(snapshot, cde) {
  if (!snapshot) return undefined;
  for (const r of Object.values(snapshot.readings)) {
    const p = r.obis.split('.');
    if (p[0] === '1' && `${p[2]}.${p[3]}.${p[4]}` === cde) return r;
  }
  return undefined;
}

const TO_BASE = { W: 1, kW: 1000, Wh: 1, kWh: 1000, V: 1, A: 1 };

/** Numeric value in the base unit (W, Wh, V, A) or undefined for text / unknown units. */
export function baseValue(reading) {
  if (!reading || typeof reading.value !== 'number') return undefined;
  const f = TO_BASE[reading.unit ?? ''];
  return f === undefined ? undefined : reading.value * f;
}

const nf = (digits) =>
  new Intl.NumberFormat(undefined, { minimumFractionDigits: digits, maximumFractionDigits: digits });
const nf0 = nf(0);
const nf1 = nf(1);
const nf2 = nf(2);
const nf3 = nf(3);

export function formatPower(w) {
  if (w === undefined || w === null) return '–';
  return Math.abs(w) >= 10_000 ? `${nf2.format(w / 1000)} kW` : `${nf0.format(w)} W`;
}

export function formatEnergyKwh(wh) {
  return wh === undefined ? '–' : `${nf3.format(wh / 1000)} kWh`;
}

export function formatVolt(v) {
  return v === undefined ? '–' : `${nf1.format(v)} V`;
}

export function formatAmpere(a) {
  return a === undefined ? '–' : `${nf2.format(a)} A`;
}

export function formatCount(n) {
  return n === undefined || n === null ? '–' : nf0.format(n);
}

/** "just now", "12 s ago", "4 min ago", "3 h ago", "2 d ago". */
export function formatAge(seconds) {
  if (seconds === undefined || seconds === null || !Number.isFinite(seconds)) return '–';
  const s = Math.max(0, Math.round(seconds));
  if (s < 2) return 'just now';
  if (s < 120) return `${s} s ago`;
  if (s < 7200) return `${Math.floor(s / 60)} min ago`;
  if (s < 172_800) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86_400)} d ago`;
}

export function formatDuration(seconds) {
  if (seconds === undefined || seconds === null) return '–';
  const d = Math.floor(seconds / 86_400);
  const h = Math.floor((seconds % 86_400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  return d ? `${d} d ${h} h` : h ? `${h} h ${m} min` : `${m} min ${seconds % 60} s`;
}
