/**
 * `npm run bench [-- --quick] [-- --json] [-- --only TEXT]`: runs every benchmark module in bench/ in order and
 * prints one table per module, or with `--json` one JSON object per line (`{"bench": "decode", "case": …, …}`).
 *
 * A benchmark module is any bench/*.ts (except this file) that exports
 *   `async function run(opts: { quick: boolean; only?: string }): Promise<Array<Record<string, number | string>>>`
 * and optionally `caseNames: string[]`. Order: decode first, then the others alphabetically.
 * `--only TEXT` runs the modules whose file name contains TEXT, and of the others only the cases whose name
 * contains TEXT (modules that list `caseNames`). `--quick` shortens every module (a smoke run for CI).
 */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

type Row = Record<string, number | string>;

interface BenchModule {
  run(opts: { quick: boolean; only?: string }): Promise<Row[]>;
  caseNames?: string[];
}

interface Args {
  quick: boolean;
  json: boolean;
  only?: string;
}

const USAGE = 'usage: npm run bench -- [--quick] [--json] [--only TEXT]';

function parseArgs(argv: string[]): Args {
  const args: Args = { quick: false, json: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--quick') args.quick = true;
    else if (a === '--json') args.json = true;
    else if (a === '--only') {
      const v = argv[++i];
      if (!v) throw new Error(`--only needs a text (a module or case name)\n${USAGE}`);
      args.only = v;
    } else if (a.startsWith('--only=')) args.only = a.slice('--only='.length);
    else throw new Error(`unknown option ${a}\n${USAGE}`);
  }
  return args;
}

const HERE = dirname(fileURLToPath(import.meta.url));

function moduleNames(): string[] {
  const names = readdirSync(HERE)
    .filter((f) => f.endsWith('.ts') && f !== 'run.ts' && !f.endsWith('.d.ts'))
    .map((f) => f.slice(0, -3))
    .sort();
  return [...names.filter((n) => n === 'decode'), ...names.filter((n) => n !== 'decode')];
}

function table(name: string, rows: Row[]): string {
  if (rows.length === 0) return `${name}: no cases\n`;
  const cols = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const cells = rows.map((r) => cols.map((c) => (r[c] === undefined ? '' : String(r[c]))));
  const widths = cols.map((c, i) => Math.max(c.length, ...cells.map((row) => row[i]!.length)));
  const fmt = (row: string[]) =>
    row
      .map((v, i) => (i === 0 ? v.padEnd(widths[i]!) : v.padStart(widths[i]!)))
      .join('  ')
      .trimEnd();
  return (
    [`== ${name}`, fmt(cols), fmt(widths.map((w) => '-'.repeat(w))), ...cells.map(fmt), ''].join('\n') + '\n'
  );
}

async function main(): Promise<void> {
  let args: Args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    process.exitCode = 64;
    return;
  }
  let ran = 0;
  for (const name of moduleNames()) {
    const mod = (await import(pathToFileURL(join(HERE, `${name}.ts`)).href)) as Partial<BenchModule>;
    if (typeof mod.run !== 'function') continue;
    const byName = !args.only || name.includes(args.only);
    const byCase = !byName && (mod.caseNames ?? []).some((c) => c.includes(args.only!));
    if (!byName && !byCase) continue;
    ran++;
    if (!args.json) process.stdout.write(`running ${name}${args.quick ? ' (quick)' : ''} …\n`);
    const rows = await mod.run({ quick: args.quick, only: byCase ? args.only : undefined });
    if (args.json) for (const r of rows) process.stdout.write(JSON.stringify({ bench: name, ...r }) + '\n');
    else process.stdout.write(table(name, rows));
  }
  if (ran === 0) {
    process.stderr.write(
      `no benchmark matches --only ${args.only ?? ''} (modules: ${moduleNames().join(', ')})\n`,
    );
    process.exitCode = 64;
  }
}

await main();
