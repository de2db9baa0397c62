// Which meter the page shows. The ids come from the status (`meters`, config order); the choice lives in the
// address (?meter=ID) so that a reload keeps it; every per-meter request carries it. With one meter nothing is
// added anywhere, so a one-meter daemon gets exactly the requests it always got.

/** What the page calls a meter: its configured name with the id, or the id alone. */
export function meterLabel(m) {
  return m.name ? `${m.name} (${m.id})` : m.id;
}

/**
 * The id to show for the address's query `search`: its ?meter= when that is configured, else the first id.
 * `unknown` is the id the address asked for in vain (the page says so).
 */
export function pickMeter(ids, search) {
  const asked = new window.URLSearchParams(search).get('meter');
  if (asked && ids.includes(asked)) return { id: asked };
  return { id: ids[0], unknown: asked || undefined };
}

/** `?meter=ID` (or `&meter=ID` with sep '&') for a request; '' without a selected meter (one meter). */
export function meterQuery(id, sep = '?') {
  return id === undefined ? '' : `${sep}meter=${encodeURIComponent(id)}`;
}

/** Keeps the choice in the address bar without reloading; other parameters and the hash stay. */
export function rememberMeter(id) {
  const url = new URL(window.location.href);
  url.searchParams.set('meter', id);
  window.history.replaceState(null, '', url.pathname + url.search + url.hash);
}
