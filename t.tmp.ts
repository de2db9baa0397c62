import { TelegramDecoder } from './src/pipeline/telegram-decoder.js';
import { parseHex } from './src/util/hex.js';
import { loadVectors } from './test/helpers/vectors.js';
for (const v of loadVectors()) {
  const d = new TelegramDecoder({ keys: { encryptionKey: v.key_hex ? parseHex(v.key_hex) : undefined, authenticationKey: v.auth_key_hex ? parseHex(v.auth_key_hex) : undefined } });
  const evs = [...d.push(parseHex(v.frames_hex.join('')), 0), ...d.flush()];
  for (const e of evs) {
    if (e.type === 'telegram') {
      const got = Object.fromEntries(e.snapshot.readings.map(r => [r.obis, r]));
      const bad = Object.entries(v.expected ?? {}).filter(([k, x]) => !got[k] || got[k].value !== x.value || (x.unit && got[k].unit !== x.unit));
      console.log(v.id, e.snapshot.profile, e.snapshot.meterId, e.snapshot.meterTime, 'readings', e.snapshot.readings.length, 'expected', Object.keys(v.expected ?? {}).length, 'BAD', JSON.stringify(bad.map(([k,x]) => [k, x, got[k]])).slice(0,400));
    } else console.log(v.id, e.type, e.type === 'error' ? e.error.code + ' ' + e.error.message : JSON.stringify(e).slice(0,100));
  }
}
