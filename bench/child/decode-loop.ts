/**
 * Child process of bench/decode.ts: measures the named decoder cases against the AES-CTR floor, interleaved
 * (child/rounds.ts), under whatever node flags it was started with (the systemd unit's NODE_OPTIONS), and prints
 * one JSON row per case on stdout. Argument: JSON `{cases, prefix, rounds, seconds, warmup}`.
 */
import { prepare } from '../decode.js';
import { interleaved, rowsOf } from './rounds.js';

const args = JSON.parse(process.argv[2] ?? '{}') as {
  cases: string[];
  prefix: string;
  rounds: number;
  seconds: number;
  warmup: number;
};
const { floor, cases } = await prepare(args.cases);
const heapBefore = process.memoryUsage().heapUsed;
const result = interleaved(floor, cases, args);
const heapAfter = process.memoryUsage().heapUsed;
for (const c of cases) c.check(c.iterate());
const rows = rowsOf(result, [floor.name, ...cases.map((c) => c.name)], args.prefix);
const rss = Number((process.memoryUsage().rss / 1e6).toFixed(1));
// Heap growth over all rounds (warm-up included): flat when the decoder keeps nothing per telegram.
const heapGrowth = Number(((heapAfter - heapBefore) / 1e6).toFixed(1));
for (const r of rows)
  process.stdout.write(JSON.stringify({ ...r, rss_mb: rss, heap_growth_mb: heapGrowth }) + '\n');
