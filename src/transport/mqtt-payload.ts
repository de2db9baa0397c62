/**
 * Telegrams over MQTT, the pure part (no MQTT library: `describe()` and the config checks must not load it):
 * the URL's printable form, its topic filter, and one message's payload → the telegram's bytes.
 */

/** `mqtt://host:1883/topic` without user and password, for logs and status. */
export function describeMqtt(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}/${topicOf(url)}`;
  } catch {
    return 'mqtt (unparsable URL)';
  }
}

/**
 * The topic filter of a source URL: its path, decoded (`$share/g/meters/+` included). A `#` starts a URL
 * fragment, so `mqtt://broker/site/#` is read as the filter `site/#` the user meant (or `%23`).
 */
export function topicOf(url: string): string {
  const hash = url.indexOf('#'); // URL.hash is '' for a bare trailing #
  return decodeURIComponent(new URL(url).pathname.slice(1) + (hash >= 0 ? url.slice(hash) : ''));
}

const HEX = /^[0-9a-fA-F\s]+$/;

/** One message → the telegram's bytes: binary as is, hex text, or JSON with a `hex`/`telegram`/`data` field. */
export function telegramBytes(payload: Uint8Array): Uint8Array | undefined {
  if (payload.length === 0) return undefined;
  const first = payload[0]!;
  // A binary telegram starts with a frame byte (68 M-Bus, 7E HDLC, 2F "/" DSMR, DB/0F/E0 bare APDUs); text starts
  // with a hex digit, whitespace or "{".
  const text =
    first === 0x7b || HEX.test(String.fromCharCode(first)) ? Buffer.from(payload).toString('utf8') : '';
  if (text.startsWith('{')) {
    try {
      const json = JSON.parse(text) as Record<string, unknown>;
      const hex = [json.hex, json.telegram, json.data].find((v) => typeof v === 'string') as
        string | undefined;
      return hex && HEX.test(hex) ? hexBytes(hex) : undefined;
    } catch {
      return undefined;
    }
  }
  if (text && HEX.test(text)) return hexBytes(text);
  return payload;
}

function hexBytes(hex: string): Uint8Array | undefined {
  const clean = hex.replace(/\s+/g, '');
  return clean.length % 2 === 0 ? Uint8Array.from(Buffer.from(clean, 'hex')) : undefined;
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
