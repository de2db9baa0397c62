// Dashboard entry: live values over the event stream, charts from the JSON API. When every stream slot is taken
// (503 too_many_clients) the page says so and polls /api/v1/latest and /api/v1/status instead, trying the
// stream again now and then. With history off the charts give way to one sentence and are never requested.
// With more than one meter a selector and an overview appear; tiles, charts and diagnostics follow the selected
// meter (?meter= in the address and on every per-meter request). With one meter the page is as it always was.
// Test hook: window.kaifareader exposes the charts and counters (read-only use).
import { $, setState } from './dom.js';
import { clearTiles, renderAge, renderTiles } from './tiles.js';
import { renderStatus } from './diagnostics.js';
import { createPowerChart } from './power-chart.js';
import { createEnergyChart } from './energy-chart.js';
import { createQuarterHourChart } from './quarter-hour-chart.js';
import { getJson, HISTORY_OFF } from './api.js';
import { readStream } from './event-stream.js';
import { baseValue, findByCde } from './format.js';
import { meterLabel, meterQuery, pickMeter, rememberMeter } from './meters.js';
import { createMeterSelect } from './meter-select.js';
import { createOverview } from './overview.js';

const POLL_MS = 5000;
/** While polling because the server had no free stream: try the stream again this often. */
const FULL_RETRY_MS = 15_000;

// A token given as ?token= was turned into a cookie by the server: drop it from the address bar (keep ?meter=).
const { location, history } = window;
const here = new URL(location.href);
if (here.searchParams.has('token')) {
  here.searchParams.delete('token');
  history.replaceState(null, '', here.pathname + here.search + here.hash);
}

// `meter` is the selected meter id, undefined with one meter (then every snapshot is shown, no ?meter= is sent).
const state = {
  snapshot: undefined,
  snapshots: 0,
  statuses: 0,
  mode: 'connecting',
  historyOff: false,
  meter: undefined,
  meterIds: [],
};
const latestBy = new Map(); // meter id → newest snapshot seen
let lastStatus;
let chartsStarted = false;
const power = createPowerChart($('power-chart'));
const daily = createEnergyChart($('daily-chart'), 'day');
const monthly = createEnergyChart($('monthly-chart'), 'month');
const quarters = createQuarterHourChart($('quarter-chart'), $('quarter-day'));
$('quarter-prev').addEventListener('click', () => void quarters.step(-1).then(quarterCsv));
$('quarter-next').addEventListener('click', () => void quarters.step(1).then(quarterCsv));
const selector = createMeterSelect(selectMeter);
const overview = createOverview(selectMeter);
window.kaifareader = { state, power, daily, monthly, quarters };

/** The CSV link follows the day and meter the quarter-hour chart shows. */
function quarterCsv() {
  const b = quarters.buckets;
  const range = b.length ? `&from=${b[0].start}&to=${b[b.length - 1].end}` : '';
  $('quarter-csv').href = `/api/v1/energy.csv?period=15min${range}${meterQuery(state.meter, '&')}`;
}

for (const button of $('ranges').querySelectorAll('button')) {
  button.addEventListener('click', () => {
    for (const b of $('ranges').querySelectorAll('button'))
      b.setAttribute('aria-pressed', String(b === button));
    void power.show(Number(button.dataset.range));
  });
}

const shown = (s) => state.meter === undefined || s.meter === state.meter;

function showSnapshot(s) {
  state.snapshot = s;
  renderTiles(s);
  renderAge(s.received_at);
}

function onSnapshot(s) {
  state.snapshots += 1;
  const prev = latestBy.get(s.meter);
  if (prev && prev.received_at > s.received_at) return; // an older answer that arrived late
  latestBy.set(s.meter, s);
  if (state.meter !== undefined)
    overview.setPower(s.meter, baseValue(findByCde(s, '1.7.0')), baseValue(findByCde(s, '2.7.0')));
  if (!shown(s)) return;
  showSnapshot(s);
  power.live(s);
}

/** The status as the diagnostics panel shows it: the selected meter's fields over the daemon's. */
function statusView(st) {
  const m = st.meters?.find((x) => x.id === state.meter);
  return m ? { ...st, ...m } : st;
}

function onStatus(st) {
  state.statuses += 1;
  lastStatus = st;
  const meters = st.meters ?? [];
  state.meterIds = meters.map((m) => m.id);
  if (meters.length > 1) {
    overview.setMeters(meters);
    if (!state.meterIds.includes(state.meter)) chooseFromAddress(meters);
    selector.render(meters, state.meter);
  }
  renderStatus(statusView(st));
}

/** The first choice: ?meter= from the address, else the first meter, with a note for an unknown id. */
function chooseFromAddress(meters) {
  const { id, unknown } = pickMeter(state.meterIds, location.search);
  const note = $('meter-note');
  note.hidden = unknown === undefined;
  if (unknown !== undefined) {
    const first = meters.find((m) => m.id === id);
    note.textContent = `No meter "${unknown}" is configured: showing ${meterLabel(first)}, the first meter.`;
  }
  selectMeter(id);
}

function selectMeter(id) {
  if (id === state.meter) return;
  state.meter = id;
  rememberMeter(id);
  overview.setSelected(id);
  if (lastStatus) selector.render(lastStatus.meters, id);
  const known = latestBy.get(id);
  if (known) showSnapshot(known);
  else {
    state.snapshot = undefined;
    clearTiles();
  }
  if (lastStatus) renderStatus(statusView(lastStatus));
  if (state.mode === 'polling') void poll(); // the stream already sent every meter's latest
  daily.setMeter(id);
  monthly.setMeter(id);
  quarters.setMeter(id);
  void power.setMeter(id, chartsStarted);
  if (chartsStarted && !state.historyOff) void loadEnergy();
}

let pollTimer;
async function poll() {
  const many = state.meter !== undefined;
  const [latest, status, meters] = await Promise.all([
    getJson(`/api/v1/latest${meterQuery(state.meter)}`),
    getJson('/api/v1/status'),
    many ? getJson('/api/v1/meters') : undefined,
  ]);
  if (state.mode !== 'polling') return;
  if (latest.ok && shown(latest.body) && latest.body.received_at !== state.snapshot?.received_at)
    onSnapshot(latest.body);
  if (status.ok) onStatus(status.body);
  for (const m of meters?.ok ? meters.body.meters : [])
    overview.setPower(m.id, m.power_import_w, m.power_export_w);
}
function startPolling() {
  if (pollTimer === undefined) {
    void poll();
    pollTimer = setInterval(poll, POLL_MS);
  }
}
function stopPolling() {
  clearInterval(pollTimer);
  pollTimer = undefined;
}

async function connect() {
  const end = await readStream('/events', {
    onOpen() {
      stopPolling();
      state.mode = 'stream';
      setState('live', 'live', 'live');
      $('live').title = '';
    },
    onEvent(name, data) {
      if (name === 'snapshot') onSnapshot(JSON.parse(data));
      else if (name === 'status') onStatus(JSON.parse(data));
    },
  });
  if (end.status === 503 && end.body?.error === 'too_many_clients') {
    state.mode = 'polling';
    setState('live', 'limited', 'too many open dashboards');
    $('live').title = `${end.body.message}; meanwhile values are polled every ${POLL_MS / 1000} s`;
    startPolling();
    setTimeout(connect, FULL_RETRY_MS);
    return;
  }
  stopPolling();
  state.mode = 'reconnecting';
  setState('live', 'offline', 'reconnecting…');
  setTimeout(connect, end.retry ?? 3000);
}

/** History off: one sentence instead of the charts, no range buttons, no history or energy requests. */
function showHistoryOff() {
  state.historyOff = true;
  power.disable(HISTORY_OFF);
  for (const b of $('ranges').querySelectorAll('button')) b.disabled = true;
  $('csv-link').hidden = true;
  $('power-hint').hidden = true;
  $('energy').hidden = true;
}

const loadEnergy = () => Promise.all([daily.load(), monthly.load(), quarters.load().then(quarterCsv)]);

setInterval(() => renderAge(state.snapshot?.received_at), 1000);
// The status says which meters there are and whether there is a history (`history_rows` is null without one)
// before the stream's first snapshots and before any chart asks.
const first = await getJson('/api/v1/status');
if (first.ok) onStatus(first.body);
connect();
if (first.ok && first.body.history_rows === null) showHistoryOff();
else {
  chartsStarted = true;
  setInterval(loadEnergy, 10 * 60_000);
  await Promise.all([power.show(3600), loadEnergy()]);
}
