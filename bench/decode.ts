/**
 * Decoder benchmark: telegrams per second through the whole pure path (scanner → assembler → decipher → A-XDR →
 * profile → MeterSnapshot), next to the floor any Node decoder has to pay — one AES-128-CTR decipher of the same
 * ciphertext with node:crypto.
 *
 * Method (every case): one long-lived TelegramDecoder fed a stream of telegrams, each pushed as its link frames
 * (one `push` per frame, as a serial port delivers whole frames at best), so the decoder's state carries over like
 * in the daemon (the same bytes every time: the decoder keeps no replay state). The first and the last iteration
 * must each yield a telegram with all the vector's expected readings, else the case fails.
 * Rounds (child/rounds.ts): each case runs in its own child node, where it is warmed up and then takes turns with
 * the floor — floor, case, floor, case, … — for 9 rounds of 0.2 s slices (quick: 3 of 0.05 s). `ratio_to_floor` is
 * the median over the rounds of (case rate / rate of the floor slice just before it), `ratio_min`/`ratio_max` its
 * spread; rates are medians over the slices, per wall-clock second and per second of process CPU time. Interleaving
 * is what makes the ratio fair on this 2-core machine shared with other work: measured one after another, the
 * same decoder's ratio wandered 0.41–0.69 between runs, more than any effect. One process per case because a
 * daemon decodes one meter type: all cases in one process made the shared decoding functions polymorphic, and
 * vkw-3phase measured 0.34 of the floor after the other cases had run against 0.44 before (same process, same run).
 *
 * Under the unit's flags: `unit-flags:*` rows run vkw-3phase, luxembourg-dsmr and burgenland-hdlc (and the floor)
 * with NODE_OPTIONS and MALLOC_ARENA_MAX read from packaging/kaifareader.service (today
 * `--jitless --max-semi-space-size=1`); `unit-flags-jit:*` the same without `--jitless`: what dropping it buys.
 *
 * Cases:
 *   vkw-3phase        Vorarlberg Kaifa MA309, 2 M-Bus frames, SC 0x21 (tag-less GCM keystream), 15 readings
 *   aes-ctr-floor     createDecipheriv('aes-128-ctr', key, system title ‖ IC ‖ 00000002) + update + final of the
 *                     same 336 ciphertext bytes: the floor for any decoder in Node
 *   evn-flat          Netz NÖ Kaifa MA309, 2 M-Bus frames, SC 0x21, flat OBIS list
 *   burgenland-hdlc   L+G E450, 1 HDLC frame, SC 0x30 (GCM tag verified), position map
 *   luxembourg-dsmr   Sagemcom T210-D, bare APDU, SC 0x30, DSMR ASCII inside
 */
import { createDecipheriv } from 'node:crypto';
import type { TelegramDecoder } from '../src/pipeline/telegram-decoder.js';
import { existsSync } from 'node:fs';
import { decodeGeneralCipher } from '../src/dlms/general-cipher.js';
import { loadVector, type Vector } from '../test/helpers/vectors.js';
import { readFileSync } from 'node:fs';
import { median } from './child/rounds.js';
import { execFileSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { join } from 'node:path';

/** A capture from test/fixtures/peer (other readers' test data), in the vector shape. */
function loadPeer(id: string): Vector & { signature_public_key_hex?: string } {
  const url = new URL(`../test/fixtures/peer/${id}.json`, import.meta.url);
  return JSON.parse(readFileSync(fileURLToPath(url), 'utf8')) as Vector & {
    signature_public_key_hex?: string;
  };
}

export interface BenchOptions {
  quick: boolean;
  /** Runs only the cases whose name contains this text. */
  only?: string;
}

type Row = Record<string, number | string>;

const hex = (h: string): Uint8Array => Uint8Array.from(Buffer.from(h, 'hex'));

export interface Case {
  name: string;
  /** Returns one iteration (one telegram); `check` verifies that it produced what it should. */
  make(decoder: typeof TelegramDecoder): { iterate: () => number; check: (result: number) => void };
}

function decoderCase(name: string, vectorId: string, peer = false): Case {
  return {
    name,
    make(Decoder) {
      const v: Vector & { signature_public_key_hex?: string } = peer
        ? loadPeer(vectorId)
        : loadVector(vectorId);
      const signature = v.signature_public_key_hex;
      const frames = v.frames_hex.map(hex);
      const keys = {
        encryptionKey: v.key_hex ? hex(v.key_hex) : undefined,
        authenticationKey: v.auth_key_hex ? hex(v.auth_key_hex) : undefined,
      };
      const expected = Object.keys(v.expected ?? {}).length;
      const decoder = new Decoder({
        keys,
        signaturePublicKey: signature ? hex(signature) : undefined,
      });
      let now = 1_700_000_000_000;
      return {
        iterate() {
          let readings = -1;
          now += 5000;
          for (const f of frames) {
            for (const ev of decoder.push(f, now)) {
              if (ev.type === 'telegram') readings = ev.snapshot.readings.length;
              else readings = -2;
            }
          }
          return readings;
        },
        check(readings) {
          if (readings < expected)
            throw new Error(`${name}: expected a telegram with ${expected}+ readings, got ${readings}`);
        },
      };
    },
  };
}

export const floorCase: Case = {
  name: 'aes-ctr-floor',
  make() {
    const v = loadVector('vorarlberg_philippsev-vkw_1');
    const apdu = Buffer.concat(v.frames_hex.map((h) => Buffer.from(h, 'hex').subarray(9, -2)));
    const c = decodeGeneralCipher(apdu);
    const key = hex(v.key_hex!);
    const iv = Buffer.alloc(16);
    iv.set(c.systemTitle, 0);
    iv.writeUInt32BE(c.invocationCounter, 8);
    iv.writeUInt32BE(2, 12);
    return {
      iterate() {
        const d = createDecipheriv('aes-128-ctr', key, iv);
        const out = d.update(c.ciphertext);
        d.final();
        return out[0]!;
      },
      check(first) {
        if (first !== 0x0f) throw new Error(`aes-ctr-floor: plaintext starts with ${first}, expected 0x0F`);
      },
    };
  },
};

/** One case per Nordic/Kamstrup/L+G family, from test/fixtures/peer. */
const PEER_CASES: Array<[string, string]> = [
  ['kamstrup-han', 'kamstrup-em001-2_amsreader'],
  ['kaifa-no-list-3', 'hassams-kaifa-ma304h4d-long_1'],
  ['kaifa-ma105-list-3', 'hassams-kaifa-1ph-hourly_1'],
  ['kaifa-se-pairs', 'amshan-kaifa-se-list_1'],
  ['han-list-1', 'amshan-kaifa-no-list-1_1'],
  ['aidon-se-3ph', 'hassams-aidon-se-3ph_1'],
  ['lg-e360-object-list', 'landis-gyr-gh934-1_amsreader'],
  ['iskra-am550-si-18', 'iskraemeco-gh615-1_amsreader'],
];

export const caseNames = [
  'vkw-3phase',
  'aes-ctr-floor',
  'evn-flat',
  'burgenland-hdlc',
  'luxembourg-dsmr',
  'dsmr-text',
  'wiener-netze-signed',
  ...PEER_CASES.map(([name]) => name),
];

export const CASES: Case[] = [
  decoderCase('vkw-3phase', 'vorarlberg_philippsev-vkw_1'),
  floorCase,
  decoderCase('evn-flat', 'evn_netznoe-pdf_1'),
  decoderCase('burgenland-hdlc', 'burgenland_amsreader-gh501_1'),
  decoderCase('luxembourg-dsmr', 'luxembourg-smarty_nexxtlab_1'),
  decoderCase('dsmr-text', 'nes-gh712-1_amsreader', true),
  // One HDLC frame + its signature trailer, ECDSA P-256 verified per telegram.
  decoderCase('wiener-netze-signed', 'wienernetze-im350_pyir_1', true),
  ...PEER_CASES.map(([name, id]) => decoderCase(name, id, true)),
];

export interface Prepared {
  name: string;
  iterate: () => number;
  check: (result: number) => void;
}

/** Builds the cases named (the floor always), each checked once before it is timed. */
/**
 * The decoder as the daemon runs it: dist/, compiled by tsc (`npm run bench` builds it first). Not src/ through
 * tsx: its transform (esbuild, with name-keeping helpers) ran the same decoder ~40 % slower with the JIT and ~35 %
 * slower without (vkw-3phase 79 k/s vs 131 k/s, measured side by side), which is no property of the daemon.
 */
export async function loadDecoder(): Promise<typeof TelegramDecoder> {
  // KAIFAREADER_BENCH_DIST: another build's dist/ (e.g. of the commit before a change), to compare the two.
  const dir = process.env.KAIFAREADER_BENCH_DIST;
  const url = dir
    ? pathToFileURL(join(dir, 'pipeline', 'telegram-decoder.js'))
    : new URL('../dist/pipeline/telegram-decoder.js', import.meta.url);
  if (!existsSync(fileURLToPath(url)))
    throw new Error('bench/decode measures dist/: run `npm run build` first (`npm run bench` does)');
  const mod = (await import(url.href)) as { TelegramDecoder: typeof TelegramDecoder };
  return mod.TelegramDecoder;
}

export async function prepare(names: string[]): Promise<{ floor: Prepared; cases: Prepared[] }> {
  const Decoder = await loadDecoder();
  const make = (c: Case): Prepared => {
    const { iterate, check } = c.make(Decoder);
    check(iterate());
    return { name: c.name, iterate, check };
  };
  const floor = make(floorCase);
  const cases = CASES.filter((c) => c !== floorCase && names.includes(c.name)).map(make);
  return { floor, cases };
}

/** The cases measured again in a child node under the systemd unit's own flags. */
const SERVICE_CASES = ['vkw-3phase', 'luxembourg-dsmr', 'burgenland-hdlc'];

/** `NODE_OPTIONS` and `MALLOC_ARENA_MAX` exactly as packaging/kaifareader.service sets them. */
export function serviceEnv(): { NODE_OPTIONS: string; MALLOC_ARENA_MAX?: string } {
  const unit = readFileSync(
    fileURLToPath(new URL('../packaging/kaifareader.service', import.meta.url)),
    'utf8',
  );
  const nodeOptions = /^Environment="?NODE_OPTIONS=([^"\n]*)"?$/m.exec(unit)?.[1];
  if (nodeOptions === undefined) throw new Error('packaging/kaifareader.service sets no NODE_OPTIONS');
  const arenas = /^Environment="?MALLOC_ARENA_MAX=(\d+)"?$/m.exec(unit)?.[1];
  return { NODE_OPTIONS: nodeOptions, MALLOC_ARENA_MAX: arenas };
}

/**
 * Runs bench/child/decode-loop.ts in a child node with the given NODE_OPTIONS: it measures `cases` against the
 * floor, interleaved, in its own process, and prints its rows as JSON.
 */
function childRows(
  env: { NODE_OPTIONS: string; MALLOC_ARENA_MAX?: string },
  prefix: string,
  cases: string[],
  plan: { rounds: number; seconds: number; warmup: number },
): Row[] {
  const script = fileURLToPath(new URL('./child/decode-loop.ts', import.meta.url));
  const out = execFileSync(
    process.execPath,
    ['--import', 'tsx', script, JSON.stringify({ cases, prefix, ...plan })],
    {
      env: { ...process.env, NODE_OPTIONS: env.NODE_OPTIONS, MALLOC_ARENA_MAX: env.MALLOC_ARENA_MAX ?? '' },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      maxBuffer: 1 << 20,
    },
  );
  return out
    .trim()
    .split('\n')
    .map((l) => ({ ...(JSON.parse(l) as Row), node_options: env.NODE_OPTIONS || '(none)' }));
}

/** The floor's row from the children's floor rows: the median of their medians. */
function floorRow(rows: Row[], prefix: string): Row {
  const wall = Math.round(median(rows.map((r) => r.telegrams_per_s as number)));
  return {
    case: `${prefix}aes-ctr-floor`,
    telegrams_per_s: wall,
    us_per_telegram: Number((1e6 / wall).toFixed(2)),
    ratio_to_floor: 1,
    rounds: rows.reduce((n, r) => n + (r.rounds as number), 0),
    telegrams_per_cpu_s: median(rows.map((r) => r.telegrams_per_cpu_s as number)),
    ratio_min: '',
    ratio_max: '',
    ratio_to_floor_cpu: 1,
    rss_mb: median(rows.map((r) => r.rss_mb as number)),
    node_options: rows[0]?.node_options ?? '',
  };
}

/**
 * Every case in its own child node (a fresh V8: a daemon decodes one meter type, so its inline caches see one
 * body shape — measured all in one process, each case ran on code made polymorphic by all the others), where it
 * takes turns with the floor in rounds.
 */
function perCase(
  names: string[],
  env: { NODE_OPTIONS: string; MALLOC_ARENA_MAX?: string },
  prefix: string,
  plan: { rounds: number; seconds: number; warmup: number },
): Row[] {
  const rows: Row[] = [];
  const floors: Row[] = [];
  for (const name of names) {
    const [floor, row] = childRows(env, prefix, [name], plan);
    floors.push(floor!);
    rows.push(row!);
  }
  return names.length > 0 ? [floorRow(floors, prefix), ...rows] : rows;
}

export async function run(opts: BenchOptions): Promise<Row[]> {
  const wanted = (n: string) => !opts.only || n.includes(opts.only);
  const names = caseNames.filter((n) => n !== 'aes-ctr-floor' && wanted(n));
  const plan = opts.quick
    ? { rounds: 3, seconds: 0.05, warmup: 0.1 }
    : { rounds: 9, seconds: 0.2, warmup: 0.4 };
  const rows = perCase(names, { NODE_OPTIONS: '' }, '', plan);
  // The same decoder under the systemd unit's exact node flags, and under them without --jitless (the JIT's
  // saving per telegram that dropping --jitless would buy).
  const service = SERVICE_CASES.filter(wanted);
  const env = serviceEnv();
  rows.push(...perCase(service, env, 'unit-flags:', plan));
  const jit = env.NODE_OPTIONS.split(/\s+/)
    .filter((f) => f !== '--jitless')
    .join(' ');
  rows.push(...perCase(service, { ...env, NODE_OPTIONS: jit }, 'unit-flags-jit:', plan));
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const only = process.argv.indexOf('--only');
  console.table(
    await run({
      quick: process.argv.includes('--quick'),
      only: only > 0 ? process.argv[only + 1] : undefined,
    }),
  );
}
