/**
 * Real-browser test of the dashboard: chromium (playwright-core, /usr/bin/chromium) against the real HTTP
 * server on 127.0.0.1, fed by a fake status, the in-memory history fake and a timer pushing snapshots.
 * Saves test-artifacts/dashboard.png.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../helpers/browser.js';
import { createHttpServer } from '../../src/http/server.js';
import { silentLogger } from '../../src/log/logger.js';
import type { MeterSnapshot } from '../../src/model/snapshot.js';
import type { DaemonStatus } from '../../src/status/status.js';
import { createFakeHistory, type FakeRow } from '../helpers/fake-history.js';
import { fixtureSnapshot, fixtureStatus } from '../http/fixtures.js';

/** What the page exposes on `window` (the test's view; the project compiles without the DOM library). */
interface Win {
  kaifareader?: {
    state: { snapshots: number };
    power: { u: { data: (number | null)[][] }; view: { zoomed: boolean } };
    daily: { u?: { data: number[][] } };
    monthly: { u?: { data: number[][] } };
  };
  document: { getElementById(id: string): { textContent: string | null } | null };
}

/** A day-shaped load curve plus a little noise; export around noon (solar). Deterministic. */
function makeRows(nowS: number): FakeRow[] {
  const rows: FakeRow[] = [];
  let imp = 4_000_000;
  let exp = 900_000;
  const push = (t: number, stepS: number) => {
    const hour = (t / 3600) % 24;
    const sun = Math.max(0, Math.sin(((hour - 6) / 12) * Math.PI));
    const load = 350 + 250 * Math.sin((t / 5400) * Math.PI) ** 2 + ((t * 7919) % 137);
    const pv = 2600 * sun;
    const pImp = Math.max(0, Math.round(load - pv));
    const pExp = Math.max(0, Math.round(pv - load));
    imp += (pImp * stepS) / 3600;
    exp += (pExp * stepS) / 3600;
    rows.push({
      t,
      values: {
        power_import_w: pImp,
        power_export_w: pExp,
        energy_import_wh: Math.round(imp),
        energy_export_wh: Math.round(exp),
      },
    });
  };
  const hourStart = nowS - 3600;
  for (let t = nowS - 400 * 86_400; t < hourStart; t += 3600) push(t, 3600);
  for (let t = hourStart; t < nowS; t += 20) push(t, 20);
  return rows;
}

function snapshotAt(ms: number, n: number): MeterSnapshot {
  const s = fixtureSnapshot(ms, 400 + ((n * 37) % 300));
  s.meterTime = new Date(ms).toISOString().replace(/\.\d+Z$/, '+00:00');
  return s;
}

async function collectErrors(page: Page): Promise<string[]> {
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') errors.push(`${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('requestfailed', (r) => {
    if (!r.url().endsWith('/events')) errors.push(`requestfailed: ${r.url()}`);
  });
  return errors;
}

test('dashboard: live tiles over SSE, power chart with points, energy bars, diagnostics, no console errors', async () => {
  const nowS = Math.floor(Date.now() / 1000);
  const history = createFakeHistory(makeRows(nowS));
  const status: DaemonStatus = {
    ...fixtureStatus(),
    startedAt: Date.now() - 3 * 3600_000,
    lastTelegramAt: Date.now(),
  };
  const listeners = new Set<(s: MeterSnapshot) => void>();
  let latest: MeterSnapshot | undefined = snapshotAt(Date.now(), 0);
  const server = createHttpServer({
    config: { host: '127.0.0.1', port: 0, token: 'dashboard-test-token' },
    status: { get: () => status },
    history,
    latest: () => latest,
    subscribe: (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    logger: silentLogger,
    version: '0.1.0',
    sse: { statusIntervalMs: 300 },
  });
  const { port } = await server.start();
  let n = 0;
  const pusher = setInterval(() => {
    latest = snapshotAt(Date.now(), ++n);
    status.lastTelegramAt = latest.receivedAt;
    status.telegramsOk += 1;
    for (const l of listeners) l(latest);
  }, 400);
  let browser: Browser | undefined;
  try {
    browser = await launchChromium();
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.setDefaultTimeout(8000);
    const errors = await collectErrors(page);
    // The token in the query becomes a cookie; assets, API calls and the event stream then use the cookie.
    await page.goto(`http://127.0.0.1:${port}/?token=dashboard-test-token`);
    assert.equal(new URL(page.url()).search, '', 'token removed from the address bar');

    await page.waitForFunction(() => ((globalThis as unknown as Win).kaifareader?.state.snapshots ?? 0) >= 1);
    const before = await page.textContent('#tile-power-import');
    assert.match(before ?? '', /^\d+ W$/);
    await page.waitForFunction(
      (t) => (globalThis as unknown as Win).document.getElementById('tile-power-import')?.textContent !== t,
      before,
    );
    assert.match((await page.textContent('#u-l1')) ?? '', /^233[.,]7 V$/);
    assert.match((await page.textContent('#tile-energy-import')) ?? '', /^12[.,]937 kWh$/);
    assert.notEqual(await page.textContent('#tile-age'), '–');

    // power chart: one hour of 20-second points from the store plus live points (non-null values counted)
    await page.waitForFunction(
      () =>
        (globalThis as unknown as Win).kaifareader!.power.u.data[1]!.filter((v) => v !== null).length > 100,
    );
    assert.equal(await page.locator('#power-chart canvas').count(), 1);

    // energy bars: 31 daily buckets (the fake has data for all of them) and 12–13 months
    await page.waitForFunction(
      () => ((globalThis as unknown as Win).kaifareader!.daily.u?.data[0]!.length ?? 0) >= 30,
    );
    await page.waitForFunction(
      () => ((globalThis as unknown as Win).kaifareader!.monthly.u?.data[0]!.length ?? 0) >= 12,
    );
    assert.equal(await page.locator('#daily-chart canvas').count(), 1);

    // diagnostics follow the status events
    await page.locator('#errors', { hasText: 'mbus.checksum' }).waitFor();
    status.diagnosis = { state: 'wrong-key', hint: 'the key is probably wrong or belongs to another meter' };
    await page.locator('#diagnosis-state', { hasText: /^wrong-key$/ }).waitFor();
    assert.match((await page.textContent('#diagnosis-hint')) ?? '', /key is probably wrong/);

    // drag-select zooms in: finer data is fetched and the CSV link covers the visible range only
    const csvBefore = await page.getAttribute('#csv-link', 'href');
    const box = (await page.locator('#power-chart .u-over').boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.3, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.6, box.y + box.height / 2, { steps: 5 });
    await page.mouse.up();
    await page.waitForFunction(() => (globalThis as unknown as Win).kaifareader!.power.view.zoomed);
    const csvAfter = await page.getAttribute('#csv-link', 'href');
    assert.notEqual(csvAfter, csvBefore);
    const m = /from=(\d+)&to=(\d+)/.exec(csvAfter ?? '');
    assert.ok(m && Number(m[2]) - Number(m[1]) < 0.5 * 3600, `zoomed CSV range ${csvAfter}`);
    await page.dblclick('#power-chart .u-over');
    await page.waitForFunction(() => !(globalThis as unknown as Win).kaifareader!.power.view.zoomed);

    status.diagnosis = { state: 'ok', hint: 'telegrams arrive and decode' };
    await page.locator('#diagnosis-state', { hasText: /^ok$/ }).waitFor();
    await page.mouse.move(0, 0);
    mkdirSync('test-artifacts', { recursive: true });
    await page.screenshot({ path: 'test-artifacts/dashboard.png', fullPage: true });

    // without the token nothing is served
    const anon = await browser.newPage();
    const res = await anon.goto(`http://127.0.0.1:${port}/`);
    assert.equal(res?.status(), 401);
    await anon.close();

    assert.deepEqual(errors, []);
  } finally {
    clearInterval(pusher);
    await browser?.close();
    await server.stop();
  }
});
