/**
 * createApp's start-up lines for a newcomer (issue 9, item 17): the dashboard URL once, "press Ctrl-C to stop" only
 * when run from a terminal (not under systemd, where stdin is /dev/null).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../../src/daemon/app.js';
import { demoConfig } from '../../src/cli/demo-command.js';
import { createSimulatedMeter } from '../../src/simulator/simulated-meter.js';
import type { Logger } from '../../src/log/logger.js';

function recorder(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const make = (component: string): Logger => {
    const at = (level: string) => (m: string, fields?: Record<string, unknown>) =>
      lines.push(`${level} [${component}] ${m}${fields ? ` ${JSON.stringify(fields)}` : ''}`);
    return {
      debug: at('debug'),
      info: at('info'),
      warn: at('warn'),
      error: at('error'),
      child: (n) => make(component ? `${component}/${n}` : n),
    };
  };
  return { logger: make(''), lines };
}

for (const interactive of [true, false]) {
  test(`the dashboard URL is logged once at info${interactive ? ', with the Ctrl-C hint from a terminal' : ', without a Ctrl-C hint under a service manager'}`, async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'kr-app-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const config = demoConfig({ dataDir: dir, httpPort: 0, httpHost: '127.0.0.1' });
    const { logger, lines } = recorder();
    const app = await createApp({
      config,
      logger,
      version: 'test',
      sources: new Map([['default', createSimulatedMeter({ periodMs: 3_600_000 })]]),
      interactive,
    });
    await app.start();
    await app.stop();
    const url = `http://127.0.0.1:${app.http!.port}/`;
    const info = lines.filter((l) => l.startsWith('info') && l.includes(url));
    assert.deepEqual(info, [`info [] dashboard on ${url}${interactive ? ' — press Ctrl-C to stop' : ''}`]);
    assert.equal(lines.filter((l) => l.includes('Ctrl-C')).length, interactive ? 1 : 0);
  });
}
