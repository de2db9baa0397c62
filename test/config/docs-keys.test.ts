/**
 * The configuration examples in README.md and docs/*.md use the keys meter.json takes: every key of a JSON code
 * block that is a config example (most of its top-level keys are meter.json keys) and every dotted key named
 * in inline code (`http.basic_auth`, `exports.mqtt.url`) is a schema key, or one of the old Python keys.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CONFIG_SCHEMA } from '../../src/daemon/config-schema.js';
import { LEGACY_KEYS } from '../../src/config/legacy.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const DOCS = [
  'README.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];
const SCHEMA = new Set(CONFIG_SCHEMA.map((f) => f.path));
const TOP = new Set(CONFIG_SCHEMA.map((f) => f.path.split('.')[0]!));
const LEGACY = new Set(LEGACY_KEYS);

function keyPaths(o: unknown, prefix = ''): string[] {
  if (o === null || typeof o !== 'object' || Array.isArray(o)) return [];
  return Object.entries(o).flatMap(([k, v]) => [`${prefix}${k}`, ...keyPaths(v, `${prefix}${k}.`)]);
}

/** JSON code blocks; a fragment like `"http": {…}` is read inside braces. */
function jsonBlocks(text: string): unknown[] {
  return [...text.matchAll(/```json\n([\s\S]*?)```/g)].flatMap(([, body]) => {
    const src = body!.trim().startsWith('{') ? body! : `{${body}}`;
    try {
      return [JSON.parse(src) as unknown];
    } catch {
      return [];
    }
  });
}

test('docs: every key in a config example is a meter.json key', () => {
  let examples = 0;
  for (const doc of DOCS) {
    for (const block of jsonBlocks(readFileSync(join(ROOT, doc), 'utf8'))) {
      const top = Object.keys(block as object);
      // A config example when most of its top-level keys are meter.json keys; else an API answer.
      if (top.filter((k) => TOP.has(k) || LEGACY.has(k)).length * 2 < top.length) continue;
      examples++;
      for (const path of keyPaths(block)) {
        assert.ok(SCHEMA.has(path) || LEGACY.has(path), `${doc}: "${path}" is no meter.json key`);
      }
    }
  }
  assert.ok(examples >= 4, `found ${examples} config examples`);
});

test('docs: every dotted config key in inline code is a meter.json key', () => {
  let named = 0;
  for (const doc of DOCS) {
    const text = readFileSync(join(ROOT, doc), 'utf8');
    for (const [, path] of text.matchAll(/`((?:source|logging|exports|http)\.[A-Za-z_.]+)`/g)) {
      named++;
      assert.ok(SCHEMA.has(path!), `${doc}: \`${path}\` is no meter.json key`);
    }
    // Prose like _set http.token or http.basic_auth_ (a quoted error message) counts too.
    for (const [path] of text.matchAll(/\bhttp\.[A-Za-z_]+/g)) assert.ok(SCHEMA.has(path), `${doc}: ${path}`);
  }
  assert.ok(named > 0);
});
