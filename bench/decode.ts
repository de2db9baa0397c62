/**
 * Decoder benchmark: telegrams per second through the whole pure path (scanner → assembler → decipher → A-XDR →
 * profile → MeterSnapshot), next to the floor any Node decoder has to pay — one AES-128-CTR decipher of the same
 * ciphertext with node:crypto.
 *
 * Method (every case): one long-lived TelegramDecoder fed a stream of telegrams, each pushed as its link frames
 * (one `push` per frame, as a serial port delivers whole frames at best), so the decoder's state carries over like
 * in the daemon (the same bytes every time: the decoder keeps no replay state). The first and the last iteration
 * must each yield a telegram with all the vector's expected readings, else the case fails.
 * Warm-up 0.5 s (quick: 0.2 s), then 5 timed runs of 1.5 s (quick: 3 of 0.3 s); the median run is reported, as
 * telegrams per wall-clock second and per second of process CPU time (the latter stays meaningful when other
 * processes share the cores). `ratio_to_floor` / `ratio_to_floor_cpu` compare each case with aes-ctr-floor.
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
import { TelegramDecoder } from '../src/pipeline/telegram-decoder.js';
import { decodeGeneralCipher } from '../src/dlms/general-cipher.js';
import { loadVector, type Vector } from '../test/helpers/vectors.js';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

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

interface Case {
  name: string;
  /** Returns one iteration (one telegram); `check` verifies that it produced what it should. */
  make(): { iterate: () => number; check: (result: number) => void };
}

function decoderCase(name: string, vectorId: string, peer = false): Case {
  return {
    name,
    make() {
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
      const decoder = new TelegramDecoder({
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

const floorCase: Case = {
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

const CASES: Case[] = [
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

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

interface Rate {
  /** Iterations per wall-clock second. */
  wall: number;
  /** Iterations per second of this process's CPU time (user + system): steadier when other work shares the cores. */
  cpu: number;
}

/** Iteration rates over `seconds`, checking the clock every 256 iterations. */
function timed(iterate: () => number, seconds: number): Rate {
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const end = t0 + seconds * 1000;
  let n = 0;
  let t = t0;
  while (t < end) {
    for (let i = 0; i < 256; i++) iterate();
    n += 256;
    t = performance.now();
  }
  const cpu = process.cpuUsage(cpu0);
  return { wall: n / ((t - t0) / 1000), cpu: n / ((cpu.user + cpu.system) / 1e6) };
}

function measure(c: Case, quick: boolean): Row {
  const { iterate, check } = c.make();
  check(iterate());
  timed(iterate, quick ? 0.2 : 0.5); // warm-up: let the JIT settle
  const runs = quick ? 3 : 5;
  const seconds = quick ? 0.3 : 1.5;
  const rates: Rate[] = [];
  globalThis.gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  for (let r = 0; r < runs; r++) rates.push(timed(iterate, seconds));
  const mem = process.memoryUsage();
  check(iterate());
  const wall = rates.map((r) => r.wall);
  const cpu = median(rates.map((r) => r.cpu));
  return {
    case: c.name,
    telegrams_per_s: Math.round(median(wall)),
    us_per_telegram: Number((1e6 / median(wall)).toFixed(2)),
    min_per_s: Math.round(Math.min(...wall)),
    max_per_s: Math.round(Math.max(...wall)),
    telegrams_per_cpu_s: Math.round(cpu),
    heap_used_mb: Number((mem.heapUsed / 1e6).toFixed(1)),
    heap_growth_mb: Number(((mem.heapUsed - heapBefore) / 1e6).toFixed(1)),
    rss_mb: Number((mem.rss / 1e6).toFixed(1)),
  };
}

export async function run(opts: BenchOptions): Promise<Row[]> {
  // The floor always runs: every ratio is relative to it.
  const selected = CASES.filter((c) => !opts.only || c.name.includes(opts.only) || c === floorCase);
  const rows = selected.map((c) => measure(c, opts.quick));
  const floor = rows.find((r) => r.case === 'aes-ctr-floor');
  if (floor) {
    for (const r of rows) {
      r.ratio_to_floor = Number(
        ((r.telegrams_per_s as number) / (floor.telegrams_per_s as number)).toFixed(3),
      );
      r.ratio_to_floor_cpu = Number(
        ((r.telegrams_per_cpu_s as number) / (floor.telegrams_per_cpu_s as number)).toFixed(3),
      );
    }
  }
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.table(await run({ quick: process.argv.includes('--quick') }));
}
