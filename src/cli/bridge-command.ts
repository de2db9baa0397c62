/**
 * `kaifareader bridge --port /dev/ttyUSB0|tcp://… --mqtt mqtt://broker:1883/meters/house`: one small machine per
 * site reads the meter port, frames locally (checksums verified: a frame that fails its checksum is never sent)
 * and publishes every COMPLETE telegram — all its frames in one message, QoS 1 — without decrypting it: the key
 * stays with the decoder instances (`source: "mqtt://…"`), which may share the topic with `$share/<group>/…`.
 * Telegrams read while the broker is away are queued by the client (in memory) and sent when it is back.
 */
import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import type { Command } from 'commander';
import { createSource } from '../transport/create-source.js';
import type { ByteSource, SourceState } from '../transport/types.js';
import { TelegramDecoder } from '../pipeline/telegram-decoder.js';
import { describeMqtt } from '../transport/mqtt-payload.js';
import { topicOf } from '../util/mqtt-topic.js';
import { portOptions, toSourceConfig, type PortOptions } from './capture-command.js';
import { onStopSignals } from './stop-signals.js';

interface BridgeOptions extends PortOptions {
  mqtt: string;
  clientId?: string;
}

const silent = { debug() {}, info() {}, warn() {}, error() {}, child: () => silent };

/** Bytes in → the complete telegrams (their frames concatenated), checksums verified, nothing deciphered. */
export function createTelegramFramer(): (chunk: Uint8Array, at: number) => Uint8Array[] {
  const decoder = new TelegramDecoder({}); // no key: encrypted telegrams end as key.missing, with their frames
  return (chunk, at) => {
    const out: Uint8Array[] = [];
    for (const ev of decoder.push(chunk, at)) {
      if (ev.type === 'telegram' || (ev.type === 'error' && ev.error.code === 'key.missing'))
        out.push(Buffer.concat(ev.frames.map((f) => f.bytes)));
    }
    return out;
  };
}

/**
 * The default client id: stable across restarts (the persistent session and what the broker queued for it
 * survive) and distinct per host, port and topic: `kaifareader-bridge-<host>-<hash>`.
 */
export function bridgeClientId(port: string, mqttUrl: string): string {
  const host = hostname().replace(/[^A-Za-z0-9_-]/g, '_');
  const url = new URL(mqttUrl);
  const what = `${port}|${url.host}${url.pathname}`;
  return `kaifareader-bridge-${host}-${createHash('sha256').update(what).digest('hex').slice(0, 8)}`;
}

export async function runBridge(o: BridgeOptions, stderr: (line: string) => void): Promise<number> {
  let url: URL;
  try {
    url = new URL(o.mqtt);
    if (!/^mqtts?:$/.test(url.protocol) || url.pathname.length < 2) throw new Error('no topic');
  } catch {
    stderr(
      'bridge: --mqtt must be mqtt://[user:password@]host:port/<topic>, e.g. mqtt://192.168.1.10:1883/meters/house',
    );
    return 64;
  }
  if (/[+#]/.test(topicOf(o.mqtt)) || topicOf(o.mqtt).startsWith('$')) {
    stderr(
      `bridge: --mqtt names the topic to publish to, without + or # or $share (those are for the decoders' subscription), e.g. mqtt://${url.host}/site/flat-1/telegram`,
    );
    return 64;
  }
  let source: ByteSource;
  try {
    source = createSource(toSourceConfig(o), { logger: silent });
  } catch (e) {
    stderr(`bridge: ${(e as Error).message}`);
    return 64;
  }
  const { publishTelegrams } = await import('../transport/mqtt-telegrams.js');
  const pub = publishTelegrams(o.mqtt, o.clientId ?? bridgeClientId(o.port, o.mqtt));
  pub.onState((s) => {
    if (s.state === 'open') stderr(`bridge: publishing to ${describeMqtt(o.mqtt)}`);
    else if (s.state === 'error') stderr(`bridge: ${s.message}; telegrams are kept until it is back`);
  });
  const framer = createTelegramFramer();
  let sent = 0;
  let done: () => void = () => {};
  const finished = new Promise<void>((r) => (done = r));
  const off = onStopSignals(() => done());
  source.start(
    (chunk) => {
      const at = Date.now();
      for (const t of framer(chunk, at)) {
        sent++;
        pub.publish(t, at).catch((e: Error) => stderr(`bridge: a telegram was not published: ${e.message}`));
      }
    },
    (s: SourceState) => {
      if (s.state === 'open') stderr(`bridge: reading ${source.describe()}`);
      else if (s.state === 'error') stderr(`bridge: ${s.message}${s.hint ? ` — ${s.hint}` : ''} (retrying)`);
      else if (s.state === 'ended') done();
    },
  );
  await finished;
  await source.stop();
  await pub.end();
  off();
  stderr(`bridge: ${sent} telegram(s) published`);
  return 0;
}

export function register(program: Command): void {
  portOptions(program.command('bridge'))
    .description(
      'read the meter port and publish each complete telegram (checksums verified, still encrypted) to an MQTT topic',
    )
    .requiredOption('--mqtt <url>', 'mqtt://[user:password@]host:port/<topic> to publish to')
    .option('--client-id <id>', 'MQTT client id (default kaifareader-bridge-<host>-<hash of port and topic>)')
    .action(async (o: BridgeOptions) => {
      process.exitCode = await runBridge(o, (line) => process.stderr.write(`${line}\n`));
    });
}
