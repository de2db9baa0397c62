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

/** Text to show instead of a chart when a history request failed. */
export function failureText(r) {
  if (r.status === 503 && r.body?.error === 'history_disabled') return 'History is off. ' + r.body.message;
  return r.body?.message ?? `request failed (HTTP ${r.status})`;
}
