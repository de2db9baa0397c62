// Dashboard entry: live values over server-sent events (no polling), charts from the JSON API.
// Test hook: window.kaifareader exposes the charts and counters (read-only use).
import { $, setState } from './dom.js';
import { renderAge, renderTiles } from './tiles.js';
import { renderStatus } from './diagnostics.js';
import { createPowerChart } from './power-chart.js';
import { createEnergyChart } from './energy-chart.js';

// A token given as ?token= was turned into a cookie by the server: drop it from the address bar.
const { location, history } = window;
if (new window.URLSearchParams(location.search).has('token'))
  history.replaceState(null, '', location.pathname);

const state = { snapshot: undefined, snapshots: 0, statuses: 0 };
const power = createPowerChart($('power-chart'));
const daily = createEnergyChart($('daily-chart'), 'day');
const monthly = createEnergyChart($('monthly-chart'), 'month');
window.kaifareader = {
  state,
  power,
  daily,
  monthly,
};

for (const button of $('ranges').querySelectorAll('button')) {
  button.addEventListener('click', () => {
    for (const b of $('ranges').querySelectorAll('button'))
      b.setAttribute('aria-pressed', String(b === button));
    void power.show(Number(button.dataset.range));
  });
}

function connect() {
  const es = new EventSource('/events');
  es.addEventListener('open', () => setState('live', 'live', 'live'));
  es.addEventListener('error', () => setState('live', 'offline', 'reconnecting…'));
  es.addEventListener('snapshot', (e) => {
    const s = JSON.parse(e.data);
    state.snapshot = s;
    state.snapshots += 1;
    renderTiles(s);
    renderAge(s.received_at);
    power.live(s);
  });
  es.addEventListener('status', (e) => {
    state.statuses += 1;
    renderStatus(JSON.parse(e.data));
  });
}

setInterval(() => renderAge(state.snapshot?.received_at), 1000);
const energy = () => Promise.all([daily.load(), monthly.load()]);
setInterval(energy, 10 * 60_000);
connect();
await Promise.all([power.show(3600), energy()]);
