// Fetch wrapper: same-origin JSON with the session cookie; never throws, returns { ok, status, body }.
export async function getJson(path) {
  try {
    const res = await fetch(path, { credentials: 'same-origin', headers: { Accept: 'application/json' } });
    const body = await res.json().catch(() => undefined);
    return { ok: res.ok, status: res.status, body };
  } catch (e) {
    return { ok: false, status: 0, body: { error: 'network', message: `server unreachable (${e.message})` } };
  }
}

/** What the page says instead of the charts when the daemon keeps no history. */
export const HISTORY_OFF =
  'History is off: add "exports": { "history": {} } to meter.json and restart the daemon to see power and energy charts.';

/** Text to show instead of a chart when a history request failed. */
export function failureText(r) {
  if (r.status === 503 && r.body?.error === 'history_disabled') return HISTORY_OFF;
  return r.body?.message ?? `request failed (HTTP ${r.status})`;
}
