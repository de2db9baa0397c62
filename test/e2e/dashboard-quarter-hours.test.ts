/**
 * Real-browser test of the quarter-hour chart: chromium against the real HTTP server and a real history file
 * (Europe/Vienna). Today's chart has one bar slot per quarter hour of the local day, the autumn DST day 100 and the
 * spring one 92; the bars carry the stored intervals' energy; ▶ steps a day on and the CSV link follows the day shown.
 * Saves test-artifacts/dashboard-quarter-hours.png.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../helpers/browser.js';
import { createHttpServer } from '../../src/http/server.js';
import { silentLogger } from '../../src/log/logger.js';
import { openHistoryStore } from '../../src/store/history-store.js';
import { runPieced } from '../../src/store/pieced.js';
import type { HistoryReader } from '../../src/store/history-types.js';
import type { HistoryRow } from '../../src/store/history-row.js';
import { fixtureSnapshot, fixtureStatus } from '../http/fixtures.js';
import { row, tempDir } from '../store/helpers.js';

interface Win {
  kaifareader?: {
    quarters: {
      u?: { data: (number | null)[][] };
      buckets: { start: number; end: number; start_time: string; import_wh: number | null }[];
      show(t: number): Promise<void>;
    };
  };
  document: {
    getElementById(id: string): { textContent: string | null; getAttribute(n: string): string | null } | null;
  };
}

const AUTUMN = Date.UTC(2026, 9, 24, 22); // 2026-10-25 00:00+02:00
const SPRING = Date.UTC(2026, 2, 28, 23); // 2026-03-29 00:00+01:00

test('quarter-hour chart: a bar slot per quarter hour of the local day (96, the autumn DST day 100, the spring one 92)', async (t) => {
  const store = openHistoryStore(join(tempDir(t), 'h.db'), { timeZone: 'Europe/Vienna' });
  t.after(() => store.close());
  let imp = 2_000_000;
  const minutes = (from: number, n: number): HistoryRow[] =>
    Array.from({ length: n }, (_, i) =>
      row(from + i * 60_000, { energy_import_wh: (imp += 2), power_import_w: 120 }),
    );
  const now = Date.now();
  // three hours of each DST day from its midnight, then the last six hours up to now
  store.insert([...minutes(SPRING, 181), ...minutes(AUTUMN, 181), ...minutes(now - 6 * 3_600_000, 361)]);
  const history: HistoryReader = {
    meters: () => store.meters(),
    latest: (m) => store.latest(m),
    count: (m) => store.count(m),
    extent: (m) => store.extent(m),
    series: (m, a, b, c) => runPieced(store.seriesQuery(m, a, b, c)),
    energy: (m, p, a, b) => runPieced(store.energyQuery(m, p, a, b)),
    quarterHours: (m, a, b) => runPieced(store.quarterHourQuery(m, a, b)),
  };
  const server = createHttpServer({
    config: { host: '127.0.0.1', port: 0, token: 'qh-token' },
    status: { get: () => ({ ...fixtureStatus(), lastTelegramAt: now }) },
    history,
    latest: () => fixtureSnapshot(now, 400),
    subscribe: () => () => {},
    logger: silentLogger,
    version: '0.1.0',
    sse: { statusIntervalMs: 300 },
  });
  const { port } = await server.start();
  let browser: Browser | undefined;
  try {
    browser = await launchChromium();
    const page = await browser.newPage({ viewport: { width: 1280, height: 1400 } });
    page.setDefaultTimeout(8000);
    const errors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') errors.push(`${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
    await page.goto(`http://127.0.0.1:${port}/?token=qh-token`);

    const drawn = () =>
      page.evaluate(() => {
        const q = (globalThis as unknown as Win).kaifareader!.quarters;
        return {
          slots: q.u?.data[0]!.length ?? 0,
          bars: q.u?.data[1]!.filter((v) => v !== null).length ?? 0,
          kwh: q.u?.data[1]!.find((v) => v !== null) ?? null,
          hours: (q.buckets.at(-1)!.end - q.buckets[0]!.start) / 3600,
          title: (globalThis as unknown as Win).document.getElementById('quarter-day')!.textContent,
          csv: (globalThis as unknown as Win).document.getElementById('quarter-csv')!.getAttribute('href'),
        };
      });
    // today: as many slots as the local day has quarter hours, bars where readings were stored
    await page.waitForFunction(
      () => ((globalThis as unknown as Win).kaifareader!.quarters.u?.data[0]!.length ?? 0) > 0,
    );
    const today = await drawn();
    assert.equal(today.slots, today.hours * 4);
    assert.ok([92, 96, 100].includes(today.slots), String(today.slots));
    assert.ok(today.bars >= 1 && today.bars <= 25, String(today.bars));
    assert.equal(await page.locator('#quarter-chart canvas').count(), 1);

    for (const [at, slots, day] of [
      [AUTUMN, 100, '2026-10-25'],
      [SPRING, 92, '2026-03-29'],
    ] as const) {
      await page.evaluate(
        (s) => (globalThis as unknown as Win).kaifareader!.quarters.show(s),
        at / 1000 + 3600,
      );
      await page.waitForFunction(
        (d) => (globalThis as unknown as Win).document.getElementById('quarter-day')!.textContent === d,
        day,
      );
      const v = await drawn();
      assert.equal(v.slots, slots, day);
      // 00:00–03:00 stored, one reading a minute at +2 Wh: 12 bars of 0.030 kWh (the one ending at 03:00 is closed by the next day's first reading)
      assert.equal(v.bars, 12, day);
      assert.equal(v.kwh, 0.03, day);
      if (slots === 100) {
        mkdirSync('test-artifacts', { recursive: true });
        await page
          .locator('.quarter-hours')
          .screenshot({ path: 'test-artifacts/dashboard-quarter-hours.png' });
      }
    }
    // ▶ steps to the next day (nothing stored: 96 empty slots) and the CSV link follows
    await page.click('#quarter-next');
    await page.waitForFunction(
      () =>
        (globalThis as unknown as Win).document.getElementById('quarter-day')!.textContent === '2026-03-30',
    );
    assert.deepEqual([(await drawn()).slots, (await drawn()).bars], [96, 0]);
    await page.waitForFunction(() =>
      /from=1774821600&/.test(
        (globalThis as unknown as Win).document.getElementById('quarter-csv')!.getAttribute('href') ?? '',
      ),
    );
    assert.deepEqual(errors, []);
  } finally {
    await browser?.close();
    await server.stop();
  }
});
