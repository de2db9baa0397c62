// Dashboard entry: live values over the event stream, charts from the JSON API. When every stream slot is taken
// (503 too_many_clients) the page says so and polls /api/v1/latest and /api/v1/status instead, trying the
// stream again now and then. With history off the charts give way to one sentence and are never requested.
// Test hook: window.kaifareader exposes the charts and counters (read-only use).
import { $, setState } from './dom.js';
import { renderAge, renderTiles } from './tiles.js';
import { renderStatus } from './diagnostics.js';
import { createPowerChart } from './power-chart.js';
import { createEnergyChart } from './energy-chart.js';
import { getJson, HISTORY_OFF } from './api.js';
import { readStream } from './event-stream.js';

const POLL_MS = 5000;
/** While polling because the server had no free stream: try the stream again this often. */
const FULL_RETRY_MS = 15_000;

// A token given as ?token= was turned into a cookie by the server: drop it from the address bar.
const { location, history } = window;
if (new window.URLSearchParams(location.search).has('token'))
  history.replaceState(null, '', location.pathname);

const state = { snapshot: undefined, snapshots: 0, statuses: 0, mode: 'connecting', historyOff: false };
const power = createPowerChart($('power-chart'));
const daily = createEnergyChart($('daily-chart'), 'day');
const monthly = createEnergyChart($('monthly-chart'), 'month');
window.kaifareader = { state, power, daily, monthly };

for (const button of $('ranges').querySelectorAll('button')) {
  button.addEventListener('click', () => {
    for (const b of $('ranges').querySelectorAll('button'))
      b.setAttribute('aria-pressed', String(b === button));
    void power.show(Number(button.dataset.range));
  });
}

function onSnapshot(s) {
  state.snapshot = s;
  state.snapshots += 1;
  renderTiles(s);
  renderAge(s.received_at);
  power.live(s);
}

function onStatus(st) {
  state.statuses += 1;
  renderStatus(st);
}

let pollTimer;
async function poll() {
  const [latest, status] = await Promise.all([getJson('/api/v1/latest'), getJson('/api/v1/status')]);
  if (state.mode !== 'polling') return;
  if (latest.ok && latest.body.received_at !== state.snapshot?.received_at) onSnapshot(latest.body);
  if (status.ok) onStatus(status.body);
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

setInterval(() => renderAge(state.snapshot?.received_at), 1000);
connect();
// The status says whether there is a history (`history_rows` is null without one) before any chart asks.
const first = await getJson('/api/v1/status');
if (first.ok && first.body.history_rows === null) showHistoryOff();
else {
  const energy = () => Promise.all([daily.load(), monthly.load()]);
  setInterval(energy, 10 * 60_000);
  await Promise.all([power.show(3600), energy()]);
}
