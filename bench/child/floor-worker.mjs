/**
 * The platform floor of the daemon's work (bench/floor.ts): what node, the kernel and the same libraries cost for
 * what `kaifareader run` does per telegram, with no kaifareader code in the process. Plain JavaScript, no tsx
 * (its loader thread would add a V8 isolate to the memory measured), run under the flags of the case.
 *
 * Per meter it reads the same bytes the daemon reads (a TCP connection to the meter's server, or a pty through
 * the same @serialport/stream + bindings-cpp the daemon uses) and does per telegram, as the daemon does:
 *   framing     M-Bus long frames (68 L L 68 … CS 16): length, checksum, the frames of one telegram joined
 *   decrypt     AES-128-CTR of the general-glo-ciphering body (system title ‖ IC ‖ 00000002): the decoder floor,
 *               checked (the plaintext must start with 0F, a DataNotification), no A-XDR parsing
 *   solarview   the file's atomic replace as src/sinks/solarview/solarview-sink.ts does it: open the temp file,
 *               write, close, rename over the file (fs/promises: four thread-pool round trips)
 *   mqtt        MQTT.js to the broker: the state JSON at QoS 1 and two small QoS 0 messages (grid power, the
 *               running quarter hour), as the MQTT sink publishes per telegram
 *   sqlite      libsql, WAL, synchronous NORMAL: a history row (21 columns) plus the meter's `latest` upsert, and
 *               the outbox row (removed again when its PUBACK comes), each database committed once a second
 *   http        an HTTP server listening on 127.0.0.1 (the dashboard, idle)
 * `sinks: "solarview"` does only framing, decrypt and the file (the old meter.json's daemon).
 *
 * Usage: node [flags] bench/child/floor-worker.mjs '<json>'
 *   { "meters": [{ "id", "topic_id", "tcp": port | "pty": path, "key_hex", "frames": n }], "dir",
 *     "sinks": "all"|"solarview", "mqtt_url", "base_topic", "http_port" }
 * Files are `<dir>/<id>.txt`, MQTT topics `<base_topic>/<topic_id>/…` (the meter number, as the daemon's).
 * Prints `ready` on stdout when every source is open; SIGTERM ends it. Counters (telegrams, bad frames,
 * decrypt failures) are printed as one JSON line on exit, so the bench can check the work was really done.
 */
import { createDecipheriv } from 'node:crypto';
import { open, rename } from 'node:fs/promises';
import { createServer } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';

const cfg = JSON.parse(process.argv[2]);
const all = cfg.sinks === 'all';
const counts = { telegrams: 0, bad_frames: 0, decrypt_failures: 0, published: 0, acked: 0 };

/** M-Bus long frames: returns complete frames from `acc`, keeps the rest. */
function framer(onFrame) {
  let acc = Buffer.alloc(0);
  return (chunk) => {
    acc = acc.length === 0 ? chunk : Buffer.concat([acc, chunk]);
    while (acc.length >= 6) {
      if (acc[0] !== 0x68 || acc[3] !== 0x68 || acc[1] !== acc[2]) {
        counts.bad_frames++;
        acc = acc.subarray(1);
        continue;
      }
      const total = acc[1] + 6;
      if (acc.length < total) break;
      let sum = 0;
      for (let i = 4; i < total - 2; i++) sum = (sum + acc[i]) & 0xff;
      if (sum !== acc[total - 2] || acc[total - 1] !== 0x16) {
        counts.bad_frames++;
        acc = acc.subarray(1);
        continue;
      }
      onFrame(acc.subarray(0, total));
      acc = acc.subarray(total);
    }
  };
}

/** 68 L L 68 C A CI, then (Kaifa's transport layer) STSAP DTSAP: the APDU part starts at byte 9. */
const APDU_AT = 9;

function decrypt(apdu, key) {
  // DB 08 <system title> <length> <SC> <IC 4> <ciphertext>; the length is one byte or 81/82 + bytes
  if (apdu[0] !== 0xdb || apdu[1] !== 0x08) return undefined;
  let p = 10;
  let len = apdu[p++];
  if (len === 0x81) len = apdu[p++];
  else if (len === 0x82) {
    len = apdu.readUInt16BE(p);
    p += 2;
  }
  const iv = Buffer.alloc(16);
  apdu.copy(iv, 0, 2, 10);
  apdu.copy(iv, 8, p + 1, p + 5);
  iv[15] = 2;
  const d = createDecipheriv('aes-128-ctr', key, iv);
  const plain = d.update(apdu.subarray(p + 5, p + len));
  d.final();
  return plain;
}

let mqttClient;
let history;
let outbox;

async function openSinks() {
  if (!all) return;
  const { default: mqtt } = await import('mqtt');
  const { default: Database } = await import('libsql');
  const openDb = (name, ddl) => {
    const db = new Database(join(cfg.dir, name));
    db.exec('PRAGMA journal_mode = WAL');
    db.exec('PRAGMA synchronous = NORMAL');
    db.exec(ddl);
    return db;
  };
  const cols = Array.from({ length: 19 }, (_, i) => `c${i} REAL`).join(', ');
  const hdb = openDb(
    'history.db',
    `CREATE TABLE IF NOT EXISTS readings (meter_ts INTEGER PRIMARY KEY, number INTEGER, ${cols}) WITHOUT ROWID;
     CREATE TABLE IF NOT EXISTS latest (meter INTEGER PRIMARY KEY, ts INTEGER, snapshot TEXT);`,
  );
  history = {
    db: hdb,
    insert: hdb.prepare(`INSERT INTO readings VALUES (?, ?${', ?'.repeat(19)})`),
    latest: hdb.prepare(
      'INSERT INTO latest (meter, ts, snapshot) VALUES (?, ?, ?) ON CONFLICT(meter) DO UPDATE SET ts = excluded.ts, snapshot = excluded.snapshot',
    ),
    rows: [],
  };
  const odb = openDb(
    'outbox.db',
    'CREATE TABLE IF NOT EXISTS outbox (id INTEGER PRIMARY KEY, topic TEXT, payload TEXT, qos INTEGER, retain INTEGER, created_at INTEGER)',
  );
  outbox = {
    db: odb,
    insert: odb.prepare('INSERT INTO outbox VALUES (?, ?, ?, ?, ?, ?)'),
    del: odb.prepare('DELETE FROM outbox WHERE id = ?'),
    inserts: new Map(),
    deletes: [],
    next: 1,
  };
  setInterval(commit, 1000).unref();
  mqttClient = mqtt.connect(cfg.mqtt_url, { clientId: `floor-${process.pid}`, clean: true });
  await new Promise((resolve, reject) => {
    mqttClient.once('connect', resolve);
    mqttClient.once('error', reject);
  });
  createServer((_, res) => res.end('floor')).listen(cfg.http_port, '127.0.0.1');
}

function commit() {
  if (history.rows.length > 0) {
    history.db.exec('BEGIN IMMEDIATE');
    for (const [key, meter, ts, values, snapshot] of history.rows) {
      history.insert.run(key, 1, ...values);
      history.latest.run(meter, ts, snapshot);
    }
    history.db.exec('COMMIT');
    history.rows = [];
  }
  if (outbox.inserts.size > 0 || outbox.deletes.length > 0) {
    outbox.db.exec('BEGIN IMMEDIATE');
    for (const id of outbox.deletes) outbox.del.run(id);
    for (const m of outbox.inserts.values()) outbox.insert.run(m.id, m.topic, m.payload, 1, 0, m.at);
    outbox.db.exec('COMMIT');
    outbox.inserts = new Map();
    outbox.deletes = [];
  }
}

function publishState(meter, state) {
  const id = outbox.next++;
  const m = {
    id,
    topic: `${cfg.base_topic}/${meter.topic_id}/state`,
    payload: JSON.stringify(state),
    at: Date.now(),
  };
  outbox.inserts.set(id, m);
  counts.published++;
  mqttClient.publish(m.topic, m.payload, { qos: 1 }, (err) => {
    if (err) return;
    counts.acked++;
    if (!outbox.inserts.delete(id)) outbox.deletes.push(id);
  });
  mqttClient.publish(`${cfg.base_topic}/${meter.topic_id}/grid_power`, String(state.grid_power_w), {
    qos: 0,
  });
  mqttClient.publish(
    `${cfg.base_topic}/${meter.topic_id}/energy_15min/current`,
    JSON.stringify({ start: state.received_at, import_wh: state.energy_import_wh % 1000 }),
    { qos: 0 },
  );
}

async function replaceFile(meter, text) {
  const fh = await open(meter.tmp, 'w', 0o644);
  try {
    await fh.writeFile(text, 'utf8');
  } finally {
    await fh.close();
  }
  await rename(meter.tmp, meter.file);
}

/** The newest text waits while a replace runs (an older one is superseded), as the Solarview sink does. */
function solarview(meter, text) {
  meter.pending = text;
  if (meter.writing) return;
  meter.writing = true;
  void (async () => {
    while (meter.pending !== undefined) {
      const t = meter.pending;
      meter.pending = undefined;
      await replaceFile(meter, t).catch(() => undefined);
    }
    meter.writing = false;
  })();
}

function onTelegram(meter, frames) {
  const apdu = Buffer.concat(frames.map((f) => f.subarray(APDU_AT, f.length - 2)));
  const plain = decrypt(apdu, meter.key);
  if (!plain || plain[0] !== 0x0f) {
    counts.decrypt_failures++;
    return;
  }
  counts.telegrams++;
  const now = Date.now();
  // Numbers taken from the plaintext, so the work depends on the telegram as the daemon's does.
  const v = (i) => plain.readUInt32BE(plain.length - 4 - 4 * i);
  const wh = v(0);
  solarview(
    meter,
    `/?!\n/KAIFA\n1.8.0(${(wh / 1000).toFixed(3).padStart(10, '0')}*kWh)\n2.8.0(000000.000*kWh)\n!\n`,
  );
  if (!all) return;
  const state = {
    meter_id: meter.topic_id,
    meter_time: new Date(now).toISOString(),
    received_at: new Date(now).toISOString(),
    energy_import_wh: wh,
    energy_export_wh: v(1),
    reactive_energy_import_varh: v(2),
    reactive_energy_export_varh: v(3),
    power_import_w: v(4) & 0xffff,
    power_export_w: v(5) & 0xffff,
    reactive_power_import_var: v(6) & 0xffff,
    reactive_power_export_var: v(7) & 0xffff,
    voltage_l1_v: 230.1,
    voltage_l2_v: 231.2,
    voltage_l3_v: 229.9,
    current_l1_a: 1.23,
    current_l2_a: 0.45,
    current_l3_a: 2.01,
    power_factor: 0.98,
    grid_power_w: (v(4) & 0xffff) - (v(5) & 0xffff),
  };
  const values = Object.values(state).slice(3);
  history.rows.push([meter.index * 2 ** 40 + now, meter.index, now, values, JSON.stringify(state)]);
  publishState(meter, state);
}

async function openSource(meter, index) {
  meter.index = index + 1;
  meter.key = Buffer.from(meter.key_hex, 'hex');
  meter.file = join(cfg.dir, `${meter.id}.txt`);
  meter.tmp = join(cfg.dir, `.${meter.id}.txt.tmp-${process.pid}`);
  let frames = [];
  const push = framer((f) => {
    frames.push(Buffer.from(f));
    if (frames.length === meter.frames) {
      const t = frames;
      frames = [];
      onTelegram(meter, t);
    }
  });
  if (meter.tcp !== undefined) {
    const s = connect(meter.tcp, '127.0.0.1');
    s.on('data', push);
    s.on('error', () => undefined);
    await new Promise((resolve) => s.once('connect', resolve));
    return;
  }
  const [{ SerialPortStream }, { autoDetect }] = await Promise.all([
    import('@serialport/stream'),
    import('@serialport/bindings-cpp'),
  ]);
  const port = new SerialPortStream({
    binding: autoDetect(),
    path: meter.pty,
    baudRate: 2400,
    autoOpen: false,
  });
  await new Promise((resolve, reject) => port.open((e) => (e ? reject(e) : resolve())));
  port.on('data', push);
}

await openSinks();
await Promise.all(cfg.meters.map(openSource));
process.stdout.write('ready\n');
process.on('SIGTERM', () => {
  if (history) commit();
  process.stdout.write(JSON.stringify(counts) + '\n');
  process.exit(0);
});
