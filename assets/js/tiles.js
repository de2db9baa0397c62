// Live tiles and the phase table, filled from a /api/v1/latest-shaped snapshot (SSE `snapshot` event).
import { setText } from './dom.js';
import {
  baseValue,
  findByCde,
  formatAge,
  formatAmpere,
  formatEnergyKwh,
  formatPower,
  formatVolt,
} from './format.js';
import { formatDateTime, formatMeterTime } from './dates.js';

const PHASES = [
  { n: 1, u: '32.7.0', i: '31.7.0', pIn: '21.7.0', pOut: '22.7.0' },
  { n: 2, u: '52.7.0', i: '51.7.0', pIn: '41.7.0', pOut: '42.7.0' },
  { n: 3, u: '72.7.0', i: '71.7.0', pIn: '61.7.0', pOut: '62.7.0' },
];

const value = (s, cde) => baseValue(findByCde(s, cde));

/** Net phase power: import minus export where the meter sends both. */
function phasePower(s, ph) {
  const pIn = value(s, ph.pIn);
  const pOut = value(s, ph.pOut);
  if (pIn === undefined && pOut === undefined) return undefined;
  return (pIn ?? 0) - (pOut ?? 0);
}

export function renderTiles(s) {
  setText('meter-id', `Meter ${s.meter_id}${s.model ? ` · ${s.manufacturer ?? ''} ${s.model}` : ''}`);
  setText('tile-power-import', formatPower(value(s, '1.7.0')), true);
  setText('tile-power-export', formatPower(value(s, '2.7.0')), true);
  // import − export, computed once by the server (grid_power_w, null for a meter without both powers)
  setText('tile-grid-power', formatPower(s.grid_power_w ?? undefined), true);
  setText('tile-energy-import', formatEnergyKwh(value(s, '1.8.0')));
  setText('tile-energy-export', formatEnergyKwh(value(s, '2.8.0')));
  setText('tile-meter-time', formatMeterTime(s.meter_time));
  setText('tile-received', formatDateTime(s.received_at));
  let phasePowers = 0;
  for (const ph of PHASES) {
    setText(`u-l${ph.n}`, formatVolt(value(s, ph.u)));
    setText(`i-l${ph.n}`, formatAmpere(value(s, ph.i)));
    const p = phasePower(s, ph);
    if (p !== undefined) phasePowers++;
    setText(`p-l${ph.n}`, formatPower(p));
  }
  // Many meters (the Kaifa MA309 among them) send no per-phase power: hide the row instead of three dashes.
  const row = document.getElementById('phase-power-row');
  if (row) row.hidden = phasePowers === 0;
}

const TILE_IDS = [
  'tile-power-import',
  'tile-power-export',
  'tile-grid-power',
  'tile-energy-import',
  'tile-energy-export',
];

/** A meter without a telegram yet (another meter was shown before): dashes instead of the other's values. */
export function clearTiles() {
  setText('meter-id', 'waiting for the first telegram…');
  for (const id of [...TILE_IDS, 'tile-meter-time', 'tile-received']) setText(id, '–');
  for (const ph of PHASES) for (const q of ['u', 'i', 'p']) setText(`${q}-l${ph.n}`, '–');
}

/** Called every second: the age of the last telegram keeps ticking between pushes. */
export function renderAge(receivedAt) {
  setText('tile-age', receivedAt === undefined ? '–' : formatAge(Date.now() / 1000 - receivedAt));
}
