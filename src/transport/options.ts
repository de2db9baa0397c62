/**
 * The `source` keys (per meter: top level in the single-meter file, `meters[].source` in the list form), stated
 * once: the rows `config schema` prints and the builder whose return type is `SourceConfig`.
 */
import { defineOptions, type ConfigOf, type FieldSpec, type Values } from '../config/spec.js';
import type { Parity } from '../config/types.js';
import { filterProblem, topicOf } from '../util/mqtt-topic.js';

export const SOURCE_ROWS: readonly FieldSpec[] = [
  {
    path: 'source',
    kind: 'source',
    description:
      'Where the telegrams come from: an object (serial port, tcp, replay) or a string: "/dev/ttyUSB0" or "tcp://host:port". Old keys: port, baudrate, parity, stopbits, bytesize.',
  },
  {
    path: 'source.port',
    kind: 'device',
    example: '/dev/ttyUSB0',
    description:
      'Serial device of the M-Bus adapter; /dev/serial/by-id/… survives re-plugging. Old key: port.',
  },
  {
    path: 'source.baudrate',
    kind: 'integer',
    min: 300,
    max: 921600,
    default: 2400,
    description: 'Baud rate; the MA309 M-Bus port sends at 2400. Old key: baudrate.',
  },
  {
    path: 'source.parity',
    kind: 'parity',
    default: 'none',
    description:
      'none | even | odd | mark | space (old "serial.PARITY_EVEN" accepted). TINETZ documents even; most adapters read either.',
  },
  {
    path: 'source.bytesize',
    kind: 'bytesize',
    default: 8,
    description: 'Data bits 5..8 (old "serial.EIGHTBITS" accepted).',
  },
  {
    path: 'source.stopbits',
    kind: 'stopbits',
    default: 1,
    description: 'Stop bits 1, 1.5 or 2 (old "serial.STOPBITS_ONE" accepted).',
  },
  {
    path: 'source.tcp',
    kind: 'string',
    example: '192.168.0.20:8899',
    description: 'Instead of port: a serial-to-TCP bridge as "host:port" or "tcp://host:port".',
  },
  {
    path: 'source.replay',
    kind: 'path',
    example: '/var/lib/kaifareader/capture.hex',
    description: 'Instead of port: replay a recorded capture file (demo, tests).',
  },
  {
    path: 'source.speed',
    kind: 'enum',
    values: ['realtime', 'fast'],
    default: 'realtime',
    description: 'Replay cadence: realtime keeps the recorded gaps, fast feeds as fast as possible.',
  },
  { path: 'source.loop', kind: 'boolean', default: false, description: 'Replay: start again at the end.' },
  {
    path: 'source.mqtt',
    kind: 'string',
    example: 'mqtt://broker:1883/meters/house',
    description:
      'Instead of port: complete telegrams published to an MQTT topic by a bridge (kaifareader bridge, ESP, Tasmota), as mqtt://[user:password@]host:port/<topic>; $share/<group>/<topic> splits a fleet between instances. A + level names the meter: meters with the same broker, client id and filter (site/+/telegram) share one subscription and each takes the messages whose + level is its id. Binary, hex text or {"hex": …} payloads.',
  },
  {
    path: 'source.client_id',
    kind: 'string',
    description:
      'MQTT source: client id of the persistent session, unique per instance and stable across restarts (default kaifareader-<host name>-<meter id>, or -<filter hash> for a + filter shared by meters).',
  },
];

export const SOURCE_OPTIONS = defineOptions(SOURCE_ROWS, (v) => buildSource(v));

export type SourceConfig = ConfigOf<typeof SOURCE_OPTIONS>;
export type SerialSourceConfig = Extract<SourceConfig, { type: 'serial' }>;
export type TcpSourceConfig = Extract<SourceConfig, { type: 'tcp' }>;
export type ReplaySourceConfig = Extract<SourceConfig, { type: 'replay' }>;
export type MqttSourceConfig = Extract<SourceConfig, { type: 'mqtt' }>;

const serial = (
  port: string,
  baudRate: number,
  parity: Parity,
  dataBits: 5 | 6 | 7 | 8,
  stopBits: 1 | 1.5 | 2,
) => ({
  type: 'serial' as const,
  /** e.g. `/dev/ttyUSB0` or `/dev/serial/by-id/usb-…` */
  port,
  baudRate,
  parity,
  dataBits,
  stopBits,
});
const tcp = (host: string, port: number) => ({ type: 'tcp' as const, host, port });
const replay = (file: string, speed: 'realtime' | 'fast', loop: boolean) => ({
  type: 'replay' as const,
  file,
  /** `realtime` keeps the recorded cadence, `fast` feeds as fast as possible. */
  speed,
  /** Start again at the end (demo). */
  loop,
});
const mqttSource = (url: string, clientId?: string) => ({
  type: 'mqtt' as const,
  /** `mqtt://user:password@host:1883/topic` (the password is never printed: describeMqtt) */
  url,
  ...(clientId === undefined ? {} : { clientId }),
});
type Built =
  | ReturnType<typeof serial>
  | ReturnType<typeof tcp>
  | ReturnType<typeof replay>
  | ReturnType<typeof mqttSource>;

function buildSource(v: Values): Built | undefined {
  const text = v.get<string>('source');
  if (text !== undefined) return sourceFromString(v, text);
  if (!v.present('source')) {
    if (!v.failedAt('source'))
      v.issue(
        'source',
        'required: the serial port, e.g. "source": {"port": "/dev/ttyUSB0"} (old key: "port")',
      );
    return undefined;
  }
  const kinds = ['source.port', 'source.tcp', 'source.replay', 'source.mqtt'].filter((p) => v.has(p));
  if (
    kinds.length === 0 &&
    ['source.port', 'source.tcp', 'source.replay', 'source.mqtt'].some((p) => v.failedAt(p))
  )
    return undefined;
  if (kinds.length !== 1) {
    const msg =
      kinds.length === 0
        ? 'needs one of "port" (serial device), "tcp", "mqtt" or "replay"'
        : `set only one of ${kinds.map((k) => `"${k.slice(7)}"`).join(', ')}`;
    v.issue('source', msg);
    return undefined;
  }
  if (v.has('source.tcp')) return tcpSource(v, 'source.tcp', v.get<string>('source.tcp')!);
  if (v.has('source.mqtt'))
    return mqttFrom(v, 'source.mqtt', v.get<string>('source.mqtt')!, v.get<string>('source.client_id'));
  if (v.has('source.replay'))
    return replay(v.get<string>('source.replay')!, v.def('source.speed'), v.def('source.loop'));
  return serial(
    v.get<string>('source.port')!,
    v.def('source.baudrate'),
    v.def('source.parity'),
    v.def('source.bytesize'),
    v.def('source.stopbits'),
  );
}

function sourceFromString(v: Values, text: string): Built | undefined {
  if (text.startsWith('/')) return serial(text, 2400, 'none', 8, 1);
  if (/^tcp:\/\//i.test(text)) return tcpSource(v, 'source', text);
  if (/^mqtts?:\/\//i.test(text)) return mqttFrom(v, 'source', text);
  v.issue(
    'source',
    `expected a serial device such as "/dev/ttyUSB0" or "tcp://host:port", got ${JSON.stringify(text)}`,
  );
  return undefined;
}

function mqttFrom(v: Values, path: string, text: string, clientId?: string): Built | undefined {
  let u: URL | undefined;
  try {
    u = new URL(text);
  } catch {
    u = undefined;
  }
  const topic = u ? topicOf(text) : '';
  if (!u || !/^mqtts?:$/.test(u.protocol) || !u.hostname || topic === '') {
    v.issue(path, 'expected "mqtt://host:port/<topic>" such as "mqtt://192.168.0.10:1883/meters/house"');
    return undefined;
  }
  const problem = filterProblem(topic);
  if (problem) {
    v.issue(
      path,
      `not an MQTT topic filter (${problem}), e.g. "mqtt://broker:1883/$share/decoders/site/+/telegram"`,
    );
    return undefined;
  }
  return mqttSource(text, clientId);
}

function tcpSource(v: Values, path: string, text: string): Built | undefined {
  const m = /^(?:tcp:\/\/)?(\[[^\]]+\]|[^:/]+):(\d{1,5})\/?$/i.exec(text.trim());
  const port = m ? Number(m[2]) : 0;
  if (!m || port < 1 || port > 65535) {
    v.issue(
      path,
      `expected "tcp://host:port" such as "tcp://192.168.0.20:8899", got ${JSON.stringify(text)}`,
    );
    return undefined;
  }
  return tcp(m[1]!.replace(/^\[|\]$/g, ''), port);
}
