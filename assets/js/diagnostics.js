// Diagnostics panel and header badge, filled from a /api/v1/status-shaped object (SSE `status` event).
import { $, el, setState, setText } from './dom.js';
import { formatAge, formatCount, formatDuration } from './format.js';
import { formatDateTime } from './dates.js';

function fact(label, text) {
  const d = el('div');
  d.append(el('dt', label), el('dd', text));
  return d;
}

function renderFacts(st) {
  const facts = [
    ['Source', `${st.source} (${st.source_connected ? 'open' : 'closed'})`],
    ['Meter', st.meter_id ?? '–'],
    ['Running for', formatDuration(st.uptime_s)],
    ['Bytes received', formatCount(st.bytes_received)],
    ['Frames OK', formatCount(st.frames_ok)],
    ['Telegrams decoded', formatCount(st.telegrams_ok)],
    ['Last telegram', st.last_telegram_at ? formatDateTime(st.last_telegram_at) : 'none yet'],
    ['History rows', st.history_rows === null ? 'history off' : formatCount(st.history_rows)],
  ];
  if (st.last_error) {
    facts.push([
      'Last error',
      `${st.last_error.code}: ${st.last_error.message} (${formatAge(Date.now() / 1000 - st.last_error.at)})`,
    ]);
  }
  $('facts').replaceChildren(...facts.map(([k, v]) => fact(k, v)));
}

function emptyRow(text) {
  const tr = el('tr');
  tr.append(el('td', text, 'empty'));
  return tr;
}

function renderErrors(st) {
  const codes = Object.entries(st.errors_by_code).sort((a, b) => b[1] - a[1]);
  const rows = codes.map(([code, n]) => {
    const tr = el('tr');
    tr.append(el('td', code), el('td', formatCount(n)));
    return tr;
  });
  if (!rows.length) rows.push(emptyRow('no errors'));
  $('errors').replaceChildren(...rows);
}

function renderSinks(st) {
  const rows = Object.entries(st.sinks).map(([name, s]) => {
    const tr = el('tr');
    const extra = [
      s.backlog ? `backlog ${formatCount(s.backlog)}` : '',
      s.dropped ? `dropped ${formatCount(s.dropped)}` : '',
    ]
      .filter(Boolean)
      .join(', ');
    tr.append(el('td', name), el('td', s.state, s.ok ? 'good' : 'bad'), el('td', extra));
    return tr;
  });
  if (!rows.length) rows.push(emptyRow('no outputs configured'));
  $('sinks').replaceChildren(...rows);
}

export function renderStatus(st) {
  setState('diagnosis', st.diagnosis.state);
  setState('diagnosis-badge', st.diagnosis.state, st.diagnosis.state);
  setText('diagnosis-state', st.diagnosis.state);
  setText('diagnosis-hint', st.diagnosis.hint);
  setText('version', `kaifareader ${st.version}`);
  renderFacts(st);
  renderErrors(st);
  renderSinks(st);
}
