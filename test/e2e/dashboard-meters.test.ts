/**
 * Real-browser test of the dashboard with many meters (issue 11): the selector switches what the tiles, charts
 * and diagnostics show and which ?meter= the page asks for, the overview lists every meter with its live power,
 * a reload keeps the choice, an unknown ?meter= falls back to the first meter with a note; and with one meter
 * the page looks as it did (no selector, no overview, no ?meter= anywhere). Chromium (playwright-core,
 * /usr/bin/chromium) against the real HTTP server on 127.0.0.1 with three fixture meters.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../helpers/browser.js';
import { createHttpServer, type HttpServerOptions } from '../../src/http/server.js';
import { silentLogger } from '../../src/log/logger.js';
import type { MeterSnapshot } from '../../src/model/snapshot.js';
import type { DaemonStatus } from '../../src/status/status.js';
import { createFakeHistory, type FakeRow } from '../helpers/fake-history.js';
import { fixtureSnapshot, fixtureStatus } from '../http/fixtures.js';
import { meterSnapshot, meterSnapshots, metersStatus } from '../http/meters-fixtures.js';

/** What the page exposes on `window` (the project compiles without the DOM library). */
interface Win {
  kaifareader?: {
    state: { snapshots: number; statuses: number; meter?: string };
    power: { u: { data: (number | null)[][] } };
  };
}

function rows(nowS: number): FakeRow[] {
  const out: FakeRow[] = [];
  for (let t = nowS - 3 * 86_400; t < nowS; t += 600) {
    out.push({
      t,
      values: { power_import_w: 400, power_export_w: 0, energy_import_wh: 4_000_000 + t - nowS },
    });
  }
  return out;
}

async function start(
  status: DaemonStatus,
  latest: Map<string, MeterSnapshot>,
  over: Partial<HttpServerOptions> = {},
) {
  const listeners = new Set<(s: MeterSnapshot) => void>();
  const server = createHttpServer({
    config: { host: '127.0.0.1', port: 0 },
    status: { get: () => status },
    // The same stored rows under every meter: the test checks which meter the charts ask for, and that they draw.
    history: createFakeHistory(rows(Math.floor(Date.now() / 1000)), undefined, ['home', 'garage', 'pv']),
    latest: (meter) => latest.get(meter ?? status.meters[0]!.meter),
    subscribe: (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    logger: silentLogger,
    version: '0.1.0',
    sse: { statusIntervalMs: 300 },
    ...over,
  });
  const { port } = await server.start();
  const push = (s: MeterSnapshot) => {
    latest.set(s.meter, s);
    for (const l of listeners) l(s);
  };
  return { base: `http://127.0.0.1:${port}`, server, push };
}

/** Requests (path + query) and console errors, page errors and failed requests (the stream's end aside). */
function watch(page: Page) {
  const errors: string[] = [];
  const requests: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') errors.push(`${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('request', (r) => {
    const u = new URL(r.url());
    requests.push(u.pathname + u.search);
  });
  page.on('requestfailed', (r) => {
    if (r.url().endsWith('/events')) return;
    // This test navigates (reload, ?meter=attic) while the page may still fetch its favicon: the browser
    // cancels that request itself (ERR_ABORTED), which says nothing about the server.
    if (r.url().endsWith('/favicon.svg') && r.failure()?.errorText === 'net::ERR_ABORTED') return;
    errors.push(`requestfailed: ${r.url()} ${r.failure()?.errorText ?? ''}`);
  });
  return { errors, requests };
}

const asked = (requests: string[], path: string, meter: string) =>
  requests.some(
    (r) => r.startsWith(path) && new URLSearchParams(r.split('?')[1] ?? '').get('meter') === meter,
  );

async function overviewRows(page: Page) {
  const out: string[][] = [];
  for (const tr of await page.locator('#overview-rows tr').all())
    out.push((await tr.locator('th, td').allTextContents()).map((t) => t.trim()));
  return out;
}

async function waitReady(page: Page, meter: string) {
  await page.waitForFunction(
    (m) =>
      (globalThis as unknown as Win).kaifareader!.state.statuses >= 1 &&
      (globalThis as unknown as Win).kaifareader!.state.meter === m &&
      (globalThis as unknown as Win).kaifareader!.state.snapshots >= 1,
    meter,
  );
}

test('three meters: selector, overview with live power, tiles/charts/requests follow the choice, reload keeps it', async () => {
  const snaps = meterSnapshots(Date.now());
  const status: DaemonStatus = { ...metersStatus(), startedAt: Date.now() - 3600_000 };
  const { base, server, push } = await start(status, snaps);
  let browser: Browser | undefined;
  try {
    browser = await launchChromium();
    const context = await browser.newContext({ locale: 'en-US' });
    const page = await context.newPage();
    page.setDefaultTimeout(8000);
    const { errors, requests } = watch(page);
    await page.goto(base + '/');
    await waitReady(page, 'home');

    // the selector: a labelled <select> with every meter, the first chosen
    const select = page.getByLabel('Meter', { exact: true });
    assert.equal(await select.evaluate((e) => e.tagName), 'SELECT');
    assert.deepEqual(await select.locator('option').allTextContents(), [
      'Haus (home)',
      'Garage (garage)',
      'pv',
    ]);
    assert.equal(await select.inputValue(), 'home');
    assert.equal(await page.locator('#meter-note').isVisible(), false);

    // the overview: every meter with its power and diagnosis state
    await page.locator('#overview-import-garage', { hasText: '1,234 W' }).waitFor();
    assert.deepEqual(await overviewRows(page), [
      ['Haus (home)', '480 W', '0 W', 'ok'],
      ['Garage (garage)', '1,234 W', '0 W', 'ok'],
      ['pv', '–', '–', 'no-bytes'],
    ]);

    // tiles, diagnostics and every per-meter request are the first meter's
    assert.equal(await page.textContent('#tile-power-import'), '480 W');
    // import − export (the fixture's export is 0 W), from the API's grid_power_w
    assert.equal(await page.textContent('#tile-grid-power'), '480 W');
    assert.match((await page.textContent('#meter-id')) ?? '', /^Meter 1KFM0200000001/);
    await page.waitForFunction(
      () => ((globalThis as unknown as Win).kaifareader!.power.u.data[0]?.length ?? 0) > 0,
    );
    for (const path of ['/api/v1/history?', '/api/v1/energy?period=day', '/api/v1/energy?period=month'])
      assert.ok(asked(requests, path, 'home'), `${path} for home: ${requests.join(' ')}`);
    assert.match((await page.getAttribute('#csv-link', 'href')) ?? '', /&meter=home$/);

    // choose the garage with the keyboard: tiles, diagnostics, charts, CSV link and the address follow
    requests.length = 0;
    await select.focus();
    await page.keyboard.press('ArrowDown');
    await page.waitForFunction(() => (globalThis as unknown as Win).kaifareader!.state.meter === 'garage');
    await page.locator('#tile-power-import', { hasText: /^1,234 W$/ }).waitFor();
    assert.match((await page.textContent('#meter-id')) ?? '', /^Meter 1KFM0200000002/);
    await page.locator('#facts', { hasText: 'tcp://10.0.0.5:2000' }).waitFor();
    assert.equal(new URL(page.url()).searchParams.get('meter'), 'garage');
    await page.waitForFunction(
      () => ((globalThis as unknown as Win).kaifareader!.power.u.data[0]?.length ?? 0) > 0,
    );
    for (const path of ['/api/v1/history?', '/api/v1/energy?period=day', '/api/v1/energy?period=month'])
      assert.ok(asked(requests, path, 'garage'), `${path} for garage: ${requests.join(' ')}`);
    assert.ok(!requests.some((r) => /[?&]meter=home\b/.test(r)), requests.join(' '));
    assert.match((await page.getAttribute('#csv-link', 'href')) ?? '', /&meter=garage$/);
    assert.equal(await page.getAttribute('#overview-rows tr.selected', 'data-meter'), 'garage');

    // live: a garage telegram moves the tiles and the chart; a home telegram only its overview row
    push(meterSnapshot('garage', '1KFM0200000002', 777, Date.now()));
    await page.locator('#tile-power-import', { hasText: /^777 W$/ }).waitFor();
    await page.waitForFunction(
      () => (globalThis as unknown as Win).kaifareader!.power.u.data[1]!.at(-1) === 777,
    );
    push(meterSnapshot('home', '1KFM0200000001', 555, Date.now()));
    await page.locator('#overview-import-home', { hasText: /^555 W$/ }).waitFor();
    assert.equal(await page.textContent('#tile-power-import'), '777 W');
    assert.equal(
      await page.evaluate(() => (globalThis as unknown as Win).kaifareader!.power.u.data[1]!.at(-1)),
      777,
    );
    // no per-meter polling while the stream works
    assert.ok(!requests.some((r) => r.startsWith('/api/v1/meters')), requests.join(' '));

    // a reload keeps the garage
    await page.reload();
    await waitReady(page, 'garage');
    assert.equal(await page.getByLabel('Meter', { exact: true }).inputValue(), 'garage');
    await page.locator('#tile-power-import', { hasText: /^777 W$/ }).waitFor();

    // the overview's name buttons select too
    await page.getByRole('button', { name: 'pv' }).click();
    await page.waitForFunction(() => (globalThis as unknown as Win).kaifareader!.state.meter === 'pv');
    assert.equal(await page.textContent('#tile-power-import'), '–');
    assert.equal(await page.textContent('#tile-grid-power'), '–');
    assert.equal(await page.textContent('#meter-id'), 'waiting for the first telegram…');
    await page.locator('#diagnosis-state', { hasText: /^no-bytes$/ }).waitFor();

    // an unknown id in the address: the first meter, and a note that says so
    await page.goto(base + '/?meter=attic');
    await waitReady(page, 'home');
    const note = page.locator('#meter-note');
    assert.equal(await note.isVisible(), true);
    assert.equal(
      await note.textContent(),
      'No meter "attic" is configured: showing Haus (home), the first meter.',
    );
    assert.equal(await page.getByLabel('Meter', { exact: true }).inputValue(), 'home');
    assert.deepEqual(errors, []);
    await context.close();
  } finally {
    await browser?.close();
    await server.stop();
  }
});

test('three meters, every stream slot taken: the overview is kept up to date by polling /api/v1/meters', async () => {
  const snaps = meterSnapshots(Date.now());
  const { base, server, push } = await start(metersStatus(), snaps, {
    sse: { statusIntervalMs: 300, maxClients: 0 },
  });
  let browser: Browser | undefined;
  try {
    browser = await launchChromium();
    const context = await browser.newContext({ locale: 'en-US' });
    const page = await context.newPage();
    page.setDefaultTimeout(8000);
    const { requests } = watch(page);
    await page.goto(base + '/?meter=garage');
    await waitReady(page, 'garage');
    await page.locator('#live', { hasText: /^too many open dashboards$/ }).waitFor();
    push(meterSnapshot('home', '1KFM0200000001', 321, Date.now()));
    await page.locator('#overview-import-home', { hasText: /^321 W$/ }).waitFor({ timeout: 12_000 });
    assert.equal(await page.textContent('#tile-power-import'), '1,234 W');
    assert.ok(asked(requests, '/api/v1/latest', 'garage'), requests.join(' '));
    assert.ok(requests.includes('/api/v1/meters'), requests.join(' '));
    await context.close();
  } finally {
    await browser?.close();
    await server.stop();
  }
});

test('one meter: the page as before, no selector, no overview, no ?meter= on any request', async () => {
  const status: DaemonStatus = { ...fixtureStatus(), startedAt: Date.now() - 3600_000 };
  const { base, server } = await start(status, new Map([['default', fixtureSnapshot(Date.now(), 480)]]));
  let browser: Browser | undefined;
  try {
    browser = await launchChromium();
    const context = await browser.newContext({ locale: 'en-US' });
    const page = await context.newPage();
    page.setDefaultTimeout(8000);
    const { errors, requests } = watch(page);
    await page.goto(base + '/');
    await page.waitForFunction(
      () =>
        (globalThis as unknown as Win).kaifareader!.state.statuses >= 1 &&
        (globalThis as unknown as Win).kaifareader!.state.snapshots >= 1,
    );
    await page.waitForFunction(
      () => ((globalThis as unknown as Win).kaifareader!.power.u.data[0]?.length ?? 0) > 0,
    );
    assert.equal(await page.textContent('#tile-power-import'), '480 W');
    for (const id of ['#meter-select-label', '#overview', '#meter-note'])
      assert.equal(await page.locator(id).isVisible(), false, id);
    assert.equal(
      await page.evaluate(() => (globalThis as unknown as Win).kaifareader!.state.meter),
      undefined,
    );
    assert.ok(
      requests.some((r) => r.startsWith('/api/v1/history?')),
      requests.join(' '),
    );
    assert.deepEqual(
      requests.filter((r) => r.includes('meter=')),
      [],
    );
    assert.equal(new URL(page.url()).search, '');
    assert.doesNotMatch((await page.getAttribute('#csv-link', 'href')) ?? '', /meter=/);
    assert.deepEqual(errors, []);
    await context.close();
  } finally {
    await browser?.close();
    await server.stop();
  }
});
