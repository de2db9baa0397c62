/** Capture files: write → read round trip, the three input formats, detection and error positions. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DecodeError } from '../../src/errors.js';
import {
  createCaptureWriter,
  formatCaptureLine,
  isBinaryCapture,
  parseCaptureText,
  readCapture,
} from '../../src/transport/capture-file.js';
import { toHex } from '../../src/util/hex.js';
import { loadVector, truncatedCapture } from '../helpers/vectors.js';

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'kaifareader-capture-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('a line is ISO time, a space and upper-case hex', () => {
  const line = formatCaptureLine(
    Uint8Array.of(0x68, 0xfa, 0x0a),
    new Date(Date.UTC(2026, 10, 24, 23, 40, 1, 123)),
  );
  assert.equal(line, '2026-11-24T23:40:01.123Z 68FA0A\n');
});

test('written chunks read back with the same bytes and times; sessions append', async (t) => {
  const file = join(tempDir(t), 'meter.capture');
  const chunks = [
    { at: Date.parse('2026-11-24T23:40:01.123Z'), bytes: Uint8Array.of(0x68, 0xfa, 0xfa, 0x68) },
    { at: Date.parse('2026-11-24T23:40:01.180Z'), bytes: Uint8Array.from({ length: 256 }, (_, i) => i) },
    { at: Date.parse('2026-11-24T23:40:06.001Z'), bytes: Uint8Array.of(0x16) },
  ];
  const w = createCaptureWriter(file);
  w.comment('kaifareader capture test\nsecond line of the comment');
  for (const c of chunks) w.write(c.bytes, new Date(c.at));
  w.write(new Uint8Array(0), new Date());
  assert.equal(w.bytes, 261);
  assert.equal(w.chunks, 3);
  await w.close();
  assert.deepEqual(await readCapture(file), chunks);

  const w2 = createCaptureWriter(file);
  w2.write(Uint8Array.of(0xe5), new Date(Date.parse('2026-11-25T00:00:00.000Z')));
  await w2.close();
  const all = await readCapture(file);
  assert.equal(all.length, 4);
  assert.equal(toHex(all[3]!.bytes), 'E5');
  assert.equal(
    readFileSync(file, 'utf8').split('\n')[0],
    '# kaifareader capture test second line of the comment',
  );
});

test('plain hex: any whitespace and separators, one chunk per line, no times, comments ignored', () => {
  const text = '\uFEFF# from a forum post\r\n68 FA FA 68\r\n\r\n  0x53:0xff, 00-01  # trailing comment\n\n';
  const chunks = parseCaptureText(text);
  assert.deepEqual(
    chunks.map((c) => [c.at, toHex(c.bytes)]),
    [
      [undefined, '68FAFA68'],
      [undefined, '53FF0001'],
    ],
  );
});

test('timed and untimed lines mix; offsets in the time are honoured', () => {
  const chunks = parseCaptureText('2026-11-24T23:40:01+01:00 6801\n7E A0\n2026-11-24T22:40:02.5Z 16\n');
  assert.deepEqual(
    chunks.map((c) => c.at),
    [Date.parse('2026-11-24T22:40:01Z'), undefined, Date.parse('2026-11-24T22:40:02.500Z')],
  );
});

test('bad hex names the line', () => {
  assert.throws(
    () => parseCaptureText('6801\n2026-11-24T23:40:01.123Z 68ZZ\n'),
    (e: unknown) => e instanceof DecodeError && e.code === 'input.hex' && /^capture line 2: /.test(e.message),
  );
  assert.throws(
    () => parseCaptureText('68F\n'),
    (e: unknown) => e instanceof DecodeError && /capture line 1: .*odd number/.test(e.message),
  );
});

test('a capture cut mid-line (head -c): the complete lines are read, the cut one is flagged by number', () => {
  const { text, complete, cutLine } = truncatedCapture(loadVector('vorarlberg_philippsev-vkw_1'));
  const warnings: string[] = [];
  const chunks = parseCaptureText(text, (w) => warnings.push(w));
  assert.deepEqual(chunks, parseCaptureText(complete));
  assert.equal(chunks.length, 2);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!, new RegExp(`^capture line ${cutLine} is cut off .*odd number.*: ignored`));
  // Without a listener the cut line is still dropped, not thrown.
  assert.deepEqual(parseCaptureText(text), chunks);
  // A bad line that ends with a newline, or the only line, is still an error.
  assert.throws(() => parseCaptureText(text + '\n'), /capture line \d+: .*odd number/);
  assert.throws(() => parseCaptureText('68F'), /capture line 1: .*odd number/);
});

test('binary detection: control bytes or invalid UTF-8 are binary; text with umlauts is not', () => {
  assert.equal(isBinaryCapture(Uint8Array.of(0x68, 0xfa, 0xfa, 0x68, 0x53, 0xff, 0x00)), true);
  assert.equal(isBinaryCapture(new TextEncoder().encode('68FA # Zähler im Keller\n')), false);
  assert.equal(isBinaryCapture(Uint8Array.of(0x36, 0x38, 0xfa)), true);
  assert.equal(isBinaryCapture(new TextEncoder().encode('68 FA\t\r\n')), false);
});

test('a binary file reads as one chunk of its bytes; an empty file as none', async (t) => {
  const dir = tempDir(t);
  const bytes = Uint8Array.from({ length: 300 }, (_, i) => (i * 13) & 0xff);
  writeFileSync(join(dir, 'raw.bin'), bytes);
  writeFileSync(join(dir, 'empty'), '');
  assert.deepEqual(await readCapture(join(dir, 'raw.bin')), [{ bytes }]);
  assert.deepEqual(await readCapture(join(dir, 'empty')), []);
  await assert.rejects(readCapture(join(dir, 'missing')), (e: NodeJS.ErrnoException) => e.code === 'ENOENT');
});
