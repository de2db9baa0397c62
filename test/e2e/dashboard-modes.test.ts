/**
 * Real-browser tests of the dashboard's honest states (issue 9 items 6 and 20): one date style from the
 * browser's locale everywhere, "History is off" without any history request, and "too many open dashboards"
 * with polling when every event-stream slot is taken. Chromium (playwright-core, /usr/bin/chromium) against the
 * real HTTP server on 127.0.0.1.
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
import { openEvents } from '../http/sse-reader.js';

/** What the page exposes on `window` (the project compiles without the DOM library). */
interface Win {
  kaifareader?: {
    state: { snapshots: number; statuses: number; mode: string; historyOff: boolean };
    power: { axisLabels: string[] };
    daily: { axisLabels: string[]; u?: { data: number[][] } };
    monthly: { axisLabels: string[]; u?: { data: number[][] } };
  };
}

/** The meter's wall clock in every snapshot (shown as it is, never re-zoned). */
const METER_TIME = '2026-12-02T04:23:05+01:00';

function rows(nowS: number): FakeRow[] {
  const out: FakeRow[] = [];
  let imp = 4_000_000;
  for (let t = nowS - 400 * 86_400; t < nowS - 3600; t += 3600) {
    imp += 400;
    out.push({
      t,
      values: { power_import_w: 400, power_export_w: 0, energy_import_wh: imp, energy_export_wh: 0 },
    });
  }
  for (let t = nowS - 3600; t < nowS; t += 20) {
    imp += 2;
    out.push({
      t,
      values: { power_import_w: 380, power_export_w: 0, energy_import_wh: imp, energy_export_wh: 0 },
    });
  }
  return out;
}

function snapshot(): MeterSnapshot {
  return { ...fixtureSnapshot(Date.now(), 480), meterTime: METER_TIME };
}

async function start(over: Partial<HttpServerOptions> = {}) {
  const status: DaemonStatus = {
    ...fixtureStatus(),
    startedAt: Date.now() - 3600_000,
    lastTelegramAt: Date.now(),
  };
  const latest = snapshot();
  const server = createHttpServer({
    config: { host: '127.0.0.1', port: 0 },
    status: { get: () => status },
    latest: () => latest,
    subscribe: () => () => {},
    logger: silentLogger,
    version: '0.1.0',
    sse: { statusIntervalMs: 300 },
    ...over,
  });
  const { port } = await server.start();
  return { base: `http://127.0.0.1:${port}`, server };
}

/** Console errors and warnings, page errors and failed requests (the stream's own end is not a failure). */
function watch(page: Page) {
  const errors: string[] = [];
  const requests: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning')
      errors.push(`${m.type()}: ${m.text()} ${m.location().url}`);
  });
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('request', (r) => requests.push(new URL(r.url()).pathname));
  page.on('requestfailed', (r) => {
    if (!r.url().endsWith('/events')) errors.push(`requestfailed: ${r.url()}`);
  });
  return { errors, requests };
}

async function lastTelegramFact(page: Page): Promise<string> {
  const dt = page.locator('#facts div', { hasText: 'Last telegram' }).locator('dd');
  return (await dt.textContent()) ?? '';
}

test('dates: one style from the browser locale on tiles, status, power and energy axes', async () => {
  const nowS = Math.floor(Date.now() / 1000);
  const { base, server } = await start({ history: createFakeHistory(rows(nowS)) });
  let browser: Browser | undefined;
  // en-US and de-AT: month names in the locale's order, the year, a 24-hour clock; never 11/26 or 25.11.
  const locales = [
    {
      locale: 'en-US',
      meter: 'Dec 2, 2026, 04:23:05',
      moment: /^[A-Z][a-z]{2} \d{1,2}, \d{4}, \d\d:\d\d:\d\d$/,
      day: /^[A-Z][a-z]{2} \d{1,2}$/,
      month: /^[A-Z][a-z]{2} \d{4}$/,
    },
    {
      locale: 'de-AT',
      meter: '2. Dez. 2026, 04:23:05',
      moment: /^\d{1,2}\. [A-ZÄ][a-zä]{2,3}\.? \d{4}, \d\d:\d\d:\d\d$/,
      day: /^\d{1,2}\. [A-ZÄ][a-zä]{2,3}\.?$/,
      month: /^[A-ZÄ][a-zä]{2,3}\.? \d{4}$/,
    },
  ];
  try {
    browser = await launchChromium();
    for (const l of locales) {
      const context = await browser.newContext({ locale: l.locale, timezoneId: 'Europe/Vienna' });
      const page = await context.newPage();
      page.setDefaultTimeout(8000);
      const { errors } = watch(page);
      await page.goto(base + '/');
      await page.waitForFunction(
        () =>
          (globalThis as unknown as Win).kaifareader!.state.snapshots >= 1 &&
          (globalThis as unknown as Win).kaifareader!.state.statuses >= 1,
      );
      await page.waitForFunction(
        () =>
          (globalThis as unknown as Win).kaifareader!.power.axisLabels.length > 0 &&
          (globalThis as unknown as Win).kaifareader!.daily.axisLabels.length > 0 &&
          (globalThis as unknown as Win).kaifareader!.monthly.axisLabels.length > 0,
      );
      assert.equal(await page.textContent('#tile-meter-time'), l.meter, l.locale);
      assert.match((await page.textContent('#tile-received')) ?? '', l.moment, l.locale);
      assert.match(await lastTelegramFact(page), l.moment, l.locale);
      const axes = await page.evaluate(() => ({
        power: (globalThis as unknown as Win).kaifareader!.power.axisLabels,
        daily: (globalThis as unknown as Win).kaifareader!.daily.axisLabels.filter(Boolean),
        monthly: (globalThis as unknown as Win).kaifareader!.monthly.axisLabels.filter(Boolean),
      }));
      for (const label of axes.power) assert.match(label, /^\d\d:\d\d$/, `${l.locale} power axis ${label}`);
      assert.ok(axes.daily.length > 3 && axes.monthly.length > 3, JSON.stringify(axes));
      for (const label of axes.daily) assert.match(label, l.day, `${l.locale} daily axis ${label}`);
      for (const label of axes.monthly) assert.match(label, l.month, `${l.locale} monthly axis ${label}`);
      // the week range switches the power axis to days, in the same style as the energy bars
      await page.click('button[data-range="604800"]');
      await page.waitForFunction(() =>
        (globalThis as unknown as Win).kaifareader!.power.axisLabels.some((s) => !/^\d\d:\d\d$/.test(s)),
      );
      for (const label of await page.evaluate(
        () => (globalThis as unknown as Win).kaifareader!.power.axisLabels,
      ))
        assert.match(label, l.day, `${l.locale} week axis ${label}`);
      const text = (await page.textContent('main')) ?? ''; // the footer holds the version number
      assert.doesNotMatch(text, /\b\d{1,2}\/\d{1,2}\b|\b\d{1,2}\.\d{1,2}\.(\d{4})?|\b[AP]M\b/, l.locale);
      assert.deepEqual(errors, [], l.locale);
      await context.close();
    }
  } finally {
    await browser?.close();
    await server.stop();
  }
});

test('history off: one sentence, range buttons disabled, no history or energy request, no console errors', async () => {
  const { base, server } = await start();
  let browser: Browser | undefined;
  try {
    browser = await launchChromium();
    const page = await browser.newPage();
    page.setDefaultTimeout(8000);
    const { errors, requests } = watch(page);
    await page.goto(base + '/');
    await page.waitForFunction(
      () =>
        (globalThis as unknown as Win).kaifareader!.state.historyOff &&
        (globalThis as unknown as Win).kaifareader!.state.statuses >= 1,
    );
    await page.locator('#power-chart .message').waitFor();
    const message = (await page.textContent('#power-chart .message')) ?? '';
    assert.equal(
      message,
      'History is off: add "exports": { "history": {} } to meter.json and restart the daemon to see power and energy charts.',
    );
    const body = (await page.locator('body').innerText()) ?? '';
    assert.equal(body.split('History is off').length - 1, 1, 'said once');
    assert.doesNotMatch(body, /history store is off/);
    for (const b of await page.locator('#ranges button').all()) assert.equal(await b.isDisabled(), true);
    assert.equal(await page.locator('#csv-link').isVisible(), false);
    assert.equal(await page.locator('#energy').isVisible(), false);
    // live values still work, and a click on a disabled range fires nothing
    await page.waitForFunction(() => (globalThis as unknown as Win).kaifareader!.state.snapshots >= 1);
    await page.locator('button[data-range="86400"]').click({ force: true });
    await new Promise((r) => setTimeout(r, 500));
    assert.deepEqual(
      requests.filter((p) => p.startsWith('/api/v1/history') || p.startsWith('/api/v1/energy')),
      [],
    );
    assert.deepEqual(errors, []);
  } finally {
    await browser?.close();
    await server.stop();
  }
});

test('every stream slot taken: "too many open dashboards", values by polling, the stream again once a slot frees', async () => {
  const { base, server } = await start({
    history: createFakeHistory([]),
    sse: { statusIntervalMs: 300, maxClients: 1 },
  });
  const held = await openEvents(`${base}/events`);
  assert.equal(held.response.status, 200);
  let browser: Browser | undefined;
  try {
    browser = await launchChromium();
    const page = await browser.newPage();
    page.setDefaultTimeout(8000);
    const { errors, requests } = watch(page);
    await page.goto(base + '/');
    await page.locator('#live', { hasText: /^too many open dashboards$/ }).waitFor();
    assert.equal(await page.getAttribute('#live', 'data-state'), 'limited');
    assert.match(
      (await page.getAttribute('#live', 'title')) ?? '',
      /close other dashboards; meanwhile values are polled every 5 s/,
    );
    await page.waitForFunction(
      () =>
        (globalThis as unknown as Win).kaifareader!.state.mode === 'polling' &&
        (globalThis as unknown as Win).kaifareader!.state.snapshots >= 1 &&
        (globalThis as unknown as Win).kaifareader!.state.statuses >= 1,
    );
    assert.match((await page.textContent('#meter-id')) ?? '', /^Meter \d+/);
    assert.match((await page.textContent('#tile-power-import')) ?? '', /^480 W$/);
    assert.match(await lastTelegramFact(page), /\d{4}/);
    assert.ok(requests.includes('/api/v1/latest') && requests.includes('/api/v1/status'), requests.join(' '));
    const body = (await page.locator('body').innerText()) ?? '';
    assert.doesNotMatch(body, /reconnecting|waiting for the first telegram/);

    // a slot frees: the page takes the stream again and stops polling
    held.close();
    await page.waitForFunction(
      () => (globalThis as unknown as Win).kaifareader!.state.mode === 'stream',
      undefined,
      { timeout: 25_000 },
    );
    await page.locator('#live', { hasText: /^live$/ }).waitFor();
    const polled = requests.filter((p) => p === '/api/v1/latest').length;
    await new Promise((r) => setTimeout(r, 6000));
    assert.equal(requests.filter((p) => p === '/api/v1/latest').length, polled, 'no polling once live');
    // the refused stream's 503 is the one error Chromium reports
    assert.deepEqual(
      errors.filter((e) => !/status of 503.*\/events$/.test(e)),
      [],
    );
  } finally {
    held.close();
    await browser?.close();
    await server.stop();
  }
});
