/**
 * `?meter=` on the history routes, against a real history file holding two meters at the same timestamps:
 * absent = the first meter, each meter only its own data, an unknown meter a 404 that lists the known ids.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { openHistoryStore } from '../../src/store/history-store.js';
import { runPieced } from '../../src/store/pieced.js';
import type { HistoryReader } from '../../src/store/history-types.js';
import type { HttpDeps } from '../../src/http/route.js';
import { parseMeter } from '../../src/http/query.js';
import { knownMeters } from '../../src/http/routes/history-required.js';
import { row, tempDir } from '../store/helpers.js';
import { startHarness } from './harness.js';

const T0 = Date.UTC(2021, 8, 27, 7); // the harness clock is 2021-09-27 07:47:20 UTC
const NOW_S = 1_632_728_840;

function reader(t: { after(fn: () => void): void }): HistoryReader {
  const store = openHistoryStore(join(tempDir(t), 'h.db'), { timeZone: 'UTC' });
  t.after(() => store.close());
  const rows = Array.from({ length: 40 }, (_, i) => [
    row(T0 + i * 60_000, { meter: 'home', power_import_w: 300, energy_import_wh: 1000 + i * 5 }, 'A'),
    row(T0 + i * 60_000, { meter: 'heatpump', power_import_w: 2400, energy_import_wh: 9000 + i * 40 }, 'B'),
  ]).flat();
  store.insert(rows);
  return {
    meters: () => store.meters(),
    latest: (m) => store.latest(m),
    count: (m) => store.count(m),
    extent: (m) => store.extent(m),
    series: (m, a, b, c) => runPieced(store.seriesQuery(m, a, b, c)),
    energy: (m, p, a, b) => runPieced(store.energyQuery(m, p, a, b)),
  };
}

const get = async (url: string): Promise<{ status: number; body: unknown; text: string }> => {
  const res = await fetch(url);
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: res.status, body, text };
};

test('?meter= picks the meter; absent = the first one; unknown = 404 listing the known ids', async (t) => {
  const h = await startHarness({ history: reader(t) });
  t.after(() => h.close());
  const q = `from=${T0 / 1000}&to=${T0 / 1000 + 1200}&step=600&fields=power_import_w`;
  const power = async (meter: string) =>
    ((await get(`${h.base}/api/v1/history?${q}${meter}`)).body as { series: { power_import_w: number[] } })
      .series.power_import_w;
  assert.deepEqual(await power(''), [300, 300]);
  assert.deepEqual(await power('&meter=home'), [300, 300]);
  assert.deepEqual(await power('&meter=heatpump'), [2400, 2400]);

  const csv = await get(`${h.base}/api/v1/history.csv?${q}&meter=heatpump`);
  assert.equal(csv.status, 200);
  assert.match(csv.text, /,2400\r\n/);
  assert.doesNotMatch(csv.text, /,300\r\n/);

  const energy = async (meter: string) =>
    (
      (await get(`${h.base}/api/v1/energy?period=day&to=${NOW_S}${meter}`)).body as {
        buckets: { import_wh: number }[];
      }
    ).buckets.map((b) => b.import_wh);
  assert.deepEqual(await energy(''), [39 * 5]);
  assert.deepEqual(await energy('&meter=heatpump'), [39 * 40]);

  for (const path of ['/api/v1/history', '/api/v1/history.csv', '/api/v1/energy?period=day']) {
    const sep = path.includes('?') ? '&' : '?';
    const r = await get(`${h.base}${path}${sep}meter=garage`);
    assert.equal(r.status, 404, path);
    assert.deepEqual(r.body, {
      error: 'not_found',
      message: 'no meter "garage": use meter=home | meter=heatpump (the ids of meters[] in the config)',
      meters: ['home', 'heatpump'],
    });
  }
});

test('the known meters: the configured list when wired, else the history\'s, else "default"', () => {
  const history = { meters: () => ['heatpump'] } as HistoryReader;
  const deps = (meters?: () => string[]) => ({ meters }) as unknown as HttpDeps;
  assert.deepEqual(
    knownMeters(
      deps(() => ['home', 'heatpump']),
      history,
    ),
    ['home', 'heatpump'],
  );
  assert.deepEqual(knownMeters(deps(), history), ['heatpump']);
  assert.deepEqual(knownMeters(deps(), { meters: () => [] as string[] } as HistoryReader), ['default']);
  const p = (s: string) => parseMeter(new URLSearchParams(s), ['home', 'heatpump']);
  assert.deepEqual(p(''), { meter: 'home' });
  assert.deepEqual(p('meter='), { meter: 'home' });
  assert.deepEqual(p('meter=heatpump'), { meter: 'heatpump' });
  assert.deepEqual(p('meter=HOME'), { unknown: 'HOME' });
});
