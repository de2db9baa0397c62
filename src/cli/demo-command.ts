/**
 * `kaifareader demo [--http-port N] [--http-host ADDR] [--data-dir DIR] [--mqtt URL] [--period S] [--meters N]` (also
 * `npm start`, flags after `npm start --`): the whole daemon against the built-in simulated meter — Solarview
 * file, history, dashboard (and MQTT when a broker URL is given) — so a new user sees decoded readings within
 * seconds, without any hardware.
 */
import type { Command } from 'commander';
import { randomBytes } from 'node:crypto';
import { resolve, join } from 'node:path';
import type { AppConfig } from '../config/types.js';
import { parseConfig } from '../daemon/config-schema.js';
import { DEMO_KEY } from '../simulator/simulated-meter.js';
import { SIM_LAYOUTS, type SimLayout } from '../simulator/body-builders.js';
import {
  type FleetMeter,
  createSimulatedMeters,
  MAX_FLEET,
  simulatedFleet,
  type FleetRunOptions,
  type SimulatedFleetMeter,
} from '../simulator/fleet.js';
import { runApp } from './run-command.js';
import type { ByteSource } from '../transport/types.js';
import { isLoopbackHost } from '../config/values.js';

/** Days of simulated past written into a new demo history, so the charts have something to show at once. */
const BACKFILL_DAYS = 7;

interface DemoOptions {
  httpPort: string;
  httpHost: string;
  dataDir: string;
  mqtt?: string;
  period: string;
  layout: string;
  meters: string;
}

/** `--meters` as typed → 1 … MAX_FLEET; anything else throws the message the user sees. */
export function parseMeters(text: string): number {
  const n = /^\s*\d+\s*$/.test(text) ? Number(text) : NaN;
  if (!(n >= 1 && n <= MAX_FLEET))
    throw new Error(
      `--meters must be a whole number of simulated meters, 1–${MAX_FLEET}, got "${text}" (e.g. --meters 3)`,
    );
  return n;
}

/**
 * What the demo runs per meter for `--meters n`: id (`default` for one meter, as always), name, key (hex), the
 * factory (backfill its history first) and the byte source that continues it. For n = 1 these are exactly the
 * demo meter's telegrams of before. `layout` is `--layout`: meter 1's layout (the others have their own).
 */
export function demoMeters(
  n: number,
  opts: FleetRunOptions & { layout?: SimLayout } = {},
): SimulatedFleetMeter[] {
  const { layout, ...run } = opts;
  return createSimulatedMeters(simulatedFleet(n, { layout }), run);
}

/**
 * The demo's configuration, written as a meter.json would be and parsed by the same code, so every default comes
 * from the one schema. The replay source is a placeholder: the demo hands the daemon its simulated meter instead.
 */
export function demoConfig(opts: {
  dataDir: string;
  httpPort: number;
  httpHost: string;
  mqtt?: string;
  /** Required off loopback (the demo makes one per run, see register). */
  token?: string;
  /** `--meters n` (default one: the flat config of before, meter `default`). */
  fleet?: readonly FleetMeter[];
}): AppConfig {
  const dataDir = resolve(opts.dataDir);
  const many = opts.fleet !== undefined && opts.fleet.length > 1;
  // Several meters: a `meters` list (each its placeholder source, its key) and one Solarview file per meter.
  const meters = many
    ? {
        meters: opts.fleet!.map((m) => ({
          id: m.id,
          ...(m.name ? { name: m.name } : {}),
          source: { replay: `(simulated meter ${m.id})` },
          key: m.key,
        })),
      }
    : { source: { replay: '(simulated meter)' }, key: DEMO_KEY };
  const json = {
    ...meters,
    data_dir: dataDir,
    exports: {
      solarview: { file: join(dataDir, many ? 'solarview-{meter}.txt' : 'solarview.txt') },
      history: { path: join(dataDir, 'history.db') },
      ...(opts.mqtt ? { mqtt: { url: opts.mqtt, client_id: `kaifareader-demo-${process.pid}` } } : {}),
    },
    http: { host: opts.httpHost, port: opts.httpPort, ...(opts.token ? { token: opts.token } : {}) },
  };
  const r = parseConfig(json, { baseDir: dataDir });
  if (!r.ok) throw new Error(r.errors.map((e) => `${e.path}: ${e.message}`).join('; '));
  return r.config;
}

export function register(program: Command): void {
  program
    .command('demo')
    .description('run the whole daemon against a built-in simulated meter (no hardware needed)')
    .option('--http-port <n>', 'dashboard port (0 = any free port)', '8080')
    .option(
      '--http-host <addr>',
      'dashboard bind address (off loopback, e.g. 0.0.0.0, with a token made for this run and printed)',
      '127.0.0.1',
    )
    .option('--data-dir <dir>', 'where history.db and solarview.txt go', './data')
    .option('--mqtt <url>', 'also publish to this MQTT broker (mqtt://127.0.0.1:1883)')
    .option('--period <seconds>', 'seconds between telegrams', '5')
    .option(
      '--layout <id>',
      `telegram layout of the (first) meter (${SIM_LAYOUTS.join(', ')})`,
      'obis-structures',
    )
    .option(
      '--meters <n>',
      `simulate n meters (1–${MAX_FLEET}): a house, a heat pump, a PV system, then flats — each its own key and layout`,
      '1',
    )
    .action(async (opts: DemoOptions) => {
      const port = Number(opts.httpPort);
      const period = Number(opts.period);
      let count: number;
      try {
        count = parseMeters(opts.meters);
      } catch (e) {
        return fail((e as Error).message);
      }
      if (!Number.isInteger(port) || port < 0 || port > 65535)
        return fail(`--http-port must be 0–65535, got "${opts.httpPort}"`);
      if (!(period >= 0.2 && period <= 3600))
        return fail(`--period must be 0.2–3600 seconds, got "${opts.period}"`);
      if (!SIM_LAYOUTS.includes(opts.layout as SimLayout))
        return fail(`--layout must be one of ${SIM_LAYOUTS.join(', ')}`);
      const layout = opts.layout as SimLayout;
      const now = Date.now();
      const from = now - BACKFILL_DAYS * 86_400_000;
      // the meters' telegram factories and sources (nothing runs until the daemon starts them)
      const fleet = demoMeters(count, { layout, start: from, periodMs: period * 1000 });
      let config: AppConfig;
      // Off loopback the dashboard needs a token (http.token): the demo makes one for this run and prints it.
      const token = isLoopbackHost(opts.httpHost) ? undefined : randomBytes(18).toString('base64url');
      try {
        config = demoConfig({
          dataDir: opts.dataDir,
          httpPort: port,
          httpHost: opts.httpHost,
          mqtt: opts.mqtt,
          token,
          fleet: fleet.map((f) => f.meter),
        });
      } catch (e) {
        return fail((e as Error).message); // e.g. a --mqtt URL that is no mqtt:// URL
      }
      const sources = new Map<string, ByteSource>();
      // imported here, not with the CLI: it loads the SQLite library, which `run` without history never needs
      const { backfillHistory } = await import('../simulator/backfill.js');
      for (const { meter, factory, source } of fleet) {
        const rows = backfillHistory({
          path: config.exports.history!.path,
          factory,
          key: meter.key,
          meter: meter.id,
          from,
          to: now,
        });
        if (rows > 0)
          process.stderr.write(
            `demo: filled the new history with ${rows} simulated minutes of the past ${BACKFILL_DAYS} days` +
              `${count > 1 ? ` for ${meter.id}` : ''}\n`,
          );
        sources.set(meter.id, source);
      }
      if (token)
        process.stderr.write(
          `demo: ${opts.httpHost} makes the dashboard reachable from the network, so it asks for this run's ` +
            `token: open the dashboard address below once with ?token=${token} (the browser keeps it)\n`,
        );
      process.exitCode = await runApp(config, [], sources, (m) => demoAdvice(m, process.env));
    });
}

/**
 * The demo takes no meter.json, so a failure that names a config key names the demo's flag instead, as the user
 * started it: `npm start -- --http-port 8081` under `npm start`, else `kaifareader demo --http-port 8081`.
 */
export function demoAdvice(message: string, env: Record<string, string | undefined>): string {
  const demo = env.npm_lifecycle_event === 'start' ? 'npm start --' : 'kaifareader demo';
  return message
    .replace(
      /change http\.port\b/,
      `start the demo on another port: \`${demo} --http-port 8081\` (0 takes any free port)`,
    )
    .replace(
      /fix http\.host\b( \(e\.g\. [^)]*\))?/,
      `give another address: \`${demo} --http-host 127.0.0.1\` (or 0.0.0.0 for every interface)`,
    );
}

function fail(message: string): void {
  process.stderr.write(`kaifareader demo: ${message}\n`);
  process.exitCode = 64;
}
