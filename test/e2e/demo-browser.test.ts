/**
 * The demo as a new user sees it: `kaifareader demo` (the real daemon on the built-in simulated meter) and the
 * dashboard in a real browser (Debian's chromium through playwright-core). Live values update, the power chart
 * has points, the energy bars render, no console errors. Saves test-artifacts/demo.png.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../helpers/browser.js';
import { runCli, waitUntil } from './helpers/cli-process.js';
import { makeTempDir } from './helpers/daemon-fixtures.js';

interface Win {
  kaifareader?: {
    state: { snapshots: number };
    power: { u: { data: (number | null)[][] } };
    daily: { u?: { data: number[][] } };
  };
  document: { getElementById(id: string): { textContent: string | null } | null };
}

test('demo in a browser: live values, power chart points, energy bars, no console errors', async () => {
  const dir = makeTempDir('kaifareader-demo-browser-');
  const demo = runCli(['demo', '--http-port', '0', '--data-dir', dir.path, '--period', '0.5']);
  let browser: Browser | undefined;
  try {
    const url = await waitUntil(
      () => /dashboard on (http:\/\/127\.0\.0\.1:\d+\/)/.exec(demo.stderr())?.[1],
      'the dashboard address in the log',
      { process: demo, context: demo.stderr },
    );
    await waitUntil(() => /first telegram decoded/.test(demo.stderr()), 'a decoded telegram', {
      process: demo,
      context: demo.stderr,
    });
    browser = await launchChromium();
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.setDefaultTimeout(10_000);
    const errors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') errors.push(`${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
    await page.goto(url);

    // live values arrive over server-sent events and change
    await page.waitForFunction(() => ((globalThis as unknown as Win).kaifareader?.state.snapshots ?? 0) >= 1);
    const first = await page.textContent('#tile-energy-import');
    assert.match(first ?? '', /^[\d\s.,\u202f\u00a0]+ kWh$/, JSON.stringify(first));
    assert.match((await page.textContent('#u-l1')) ?? '', /^2\d\d[.,]\d V$/);
    await page.waitForFunction(() => ((globalThis as unknown as Win).kaifareader?.state.snapshots ?? 0) >= 4);

    // the power chart gets points from the history and the live stream
    await page.waitForFunction(
      () =>
        (globalThis as unknown as Win).kaifareader!.power.u.data[1]!.filter((v) => v !== null).length >= 2,
    );
    // a new demo history is backfilled with a simulated week: 7 past days + today as energy bars
    await page.waitForFunction(
      () => ((globalThis as unknown as Win).kaifareader!.daily.u?.data[0]!.length ?? 0) >= 8,
    );
    assert.equal(await page.locator('#daily-chart canvas').count(), 1);
    assert.match((await page.textContent('#diagnosis-state')) ?? '', /^ok$/);

    mkdirSync('test-artifacts', { recursive: true });
    await page.screenshot({ path: 'test-artifacts/demo.png', fullPage: true });
    assert.deepEqual(errors, []);
  } finally {
    await browser?.close();
    const exit = await demo.stop('SIGTERM');
    dir.remove();
    assert.equal(exit.code, 0, demo.stderr());
  }
});
