/**
 * MQTT topic filters, pure string rules (no MQTT library; the config checks use them): a source URL's filter,
 * `$share/<group>/` prefixes, matching with `+` and `#`, and the `+` level that names a meter.
 */

/**
 * The topic filter of a source URL: its path, decoded (`$share/g/meters/+` included). A `#` starts a URL
 * fragment, so `mqtt://broker/site/#` is read as the filter `site/#` the user meant (or `%23`).
 */
export function topicOf(url: string): string {
  const hash = url.indexOf('#'); // URL.hash is '' for a bare trailing #
  return decodeURIComponent(new URL(url).pathname.slice(1) + (hash >= 0 ? url.slice(hash) : ''));
}

/** The filter without a shared subscription's `$share/<group>/` prefix: what delivered topics match. */
export function plainFilter(filter: string): string {
  return filter.startsWith('$share/') ? filter.split('/').slice(2).join('/') : filter;
}

/** MQTT topic matching (`+` one level, `#` the rest); `filter` without `$share/…`. */
export function topicMatches(filter: string, topic: string): boolean {
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true;
    if (i >= t.length || (f[i] !== '+' && f[i] !== t[i])) return false;
  }
  return f.length === t.length;
}

/**
 * Where a wildcard filter names the meter: the index of its first `+` level (`site/+/telegram` → 1), or -1 when
 * the filter has none (every message on it is for the one meter reading it).
 */
export function meterLevel(filter: string): number {
  return plainFilter(filter).split('/').indexOf('+');
}

/** Why a topic filter is not one (a wildcard inside a level, `#` not last), or undefined when it is fine. */
export function filterProblem(filter: string): string | undefined {
  const levels = plainFilter(filter).split('/');
  if (filter.startsWith('$share/') && (filter.split('/').length < 3 || !filter.split('/')[1]))
    return 'a shared subscription is $share/<group>/<topic>';
  for (const [i, l] of levels.entries()) {
    if (l !== '+' && l !== '#' && /[+#]/.test(l)) return `"${l}": + and # stand for whole topic levels only`;
    if (l === '#' && i !== levels.length - 1) return '# may only be the last topic level';
  }
  return undefined;
}
