/**
 * Capture files: what `kaifareader capture` records, what the replay source plays back and what
 * `kaifareader decode --file` reads. Three formats are read, detected from the content:
 *
 *  1. Timestamped text (written by `capture`): one line per chunk as it was received from the port,
 *       # kaifareader capture /dev/ttyUSB0 2400 8N1 started 2026-11-24T23:40:00.000Z
 *       2026-11-24T23:40:01.123Z 68FAFA6853FF000167DB08...
 *     ISO-8601 time (UTC), one space, upper-case hex. `#` starts a comment (whole line or end of line).
 *  2. Plain hex (a telegram pasted from a forum post or a document): any whitespace, `0x`, `:`/`-`/`,`
 *     separators; each non-empty line is one chunk without a time.
 *  3. Binary (raw bytes, e.g. from `cat /dev/ttyUSB0 > file`): one chunk without a time. A file is binary
 *     when it holds control bytes other than tab/CR/LF or is not valid UTF-8.
 *
 * Chunk boundaries carry no meaning (the framer handles any split); times are kept for realtime replay.
 *
 * A file cut short (`head -c 700 capture.txt`, a full disk, a copy interrupted) ends in the middle of a line:
 * when that last line has no newline and does not parse, it is dropped with a warning naming it, and the lines
 * before it are used. Any other bad line still rejects the file.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { DecodeError } from '../errors.js';
import { parseHex, toHex } from '../util/hex.js';

export interface CaptureChunk {
  /** Receive time, ms since the epoch; absent for plain hex and binary captures. */
  at?: number;
  bytes: Uint8Array;
}

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;

/** True when the bytes are not a text capture (control bytes or invalid UTF-8). */
export function isBinaryCapture(bytes: Uint8Array): boolean {
  for (const b of bytes) {
    if (b < 0x09 || (b > 0x0d && b < 0x20) || b === 0x7f) return true;
  }
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return false;
  } catch {
    return true;
  }
}

function parseLine(line: string, lineNo: number): CaptureChunk | undefined {
  const content = line.replace(/#.*/, '').trim();
  if (content === '') return undefined;
  const [first = '', ...rest] = content.split(/\s+/);
  let at: number | undefined;
  let hex = content;
  if (ISO_TIME.test(first)) {
    at = Date.parse(first);
    if (!Number.isFinite(at)) {
      throw new DecodeError(
        'input.hex',
        `capture line ${lineNo}: invalid time ${JSON.stringify(first)}`,
        'input',
      );
    }
    hex = rest.join('');
  }
  let bytes: Uint8Array;
  try {
    bytes = parseHex(hex);
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    throw new DecodeError('input.hex', `capture line ${lineNo}: ${why}`, 'input');
  }
  if (bytes.length === 0) return undefined;
  return at === undefined ? { bytes } : { at, bytes };
}

/** Receives the warning about a cut-off last line (e.g. to log it or print it on stderr). */
export type CaptureWarn = (message: string) => void;

/**
 * Parses a text capture (timestamped or plain hex). Throws DecodeError `input.hex` naming the line, except for a
 * cut-off last line after complete ones, which `warn` hears about.
 */
export function parseCaptureText(text: string, warn: CaptureWarn = () => undefined): CaptureChunk[] {
  const chunks: CaptureChunk[] = [];
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  // split() leaves the text after the last newline as the last element: '' when the file ends with one.
  const unterminated = lines.length - 1;
  lines.forEach((line, i) => {
    try {
      const chunk = parseLine(line, i + 1);
      if (chunk) chunks.push(chunk);
    } catch (e) {
      if (i !== unterminated || chunks.length === 0 || !(e instanceof DecodeError)) throw e;
      warn(
        `capture line ${i + 1} is cut off (the file ends in the middle of it: ${e.message.replace(/^capture line \d+: /, '')}): ` +
          `ignored, the ${i} line(s) before it are used`,
      );
    }
  });
  return chunks;
}

/** Parses the bytes of a capture file of any of the three formats. */
export function decodeCapture(bytes: Uint8Array, warn?: CaptureWarn): CaptureChunk[] {
  if (isBinaryCapture(bytes)) return bytes.length === 0 ? [] : [{ bytes: Uint8Array.from(bytes) }];
  return parseCaptureText(new TextDecoder().decode(bytes), warn);
}

/** Reads a capture file. Rejects with the fs error (`code` ENOENT, EACCES, …) or a DecodeError. */
export async function readCapture(path: string, warn?: CaptureWarn): Promise<CaptureChunk[]> {
  return decodeCapture(new Uint8Array(await readFile(path)), warn);
}

/** One line of the timestamped format. */
export function formatCaptureLine(chunk: Uint8Array, at: Date): string {
  return `${at.toISOString()} ${toHex(chunk)}\n`;
}

export interface CaptureWriter {
  /** Appends one chunk line; written through at once (a killed capture keeps everything received). */
  write(chunk: Uint8Array, at: Date): void;
  /** Appends a `# …` comment line. */
  comment(text: string): void;
  close(): Promise<void>;
  /** Totals written by this writer. */
  readonly bytes: number;
  readonly chunks: number;
}

/**
 * Opens `path` for appending (an existing capture is extended, never overwritten; each session starts with a
 * comment line). Throws the fs error at once when the file cannot be created.
 */
export function createCaptureWriter(path: string): CaptureWriter {
  let fd: number | undefined = openSync(path, 'a');
  let bytes = 0;
  let chunks = 0;
  const append = (text: string): void => {
    if (fd === undefined) throw new Error(`capture ${path} is closed`);
    writeSync(fd, text);
  };
  return {
    write(chunk, at) {
      if (chunk.length === 0) return;
      append(formatCaptureLine(chunk, at));
      bytes += chunk.length;
      chunks++;
    },
    comment(text) {
      append(`# ${text.replace(/\r?\n/g, ' ')}\n`);
    },
    async close() {
      if (fd === undefined) return;
      closeSync(fd);
      fd = undefined;
    },
    get bytes() {
      return bytes;
    },
    get chunks() {
      return chunks;
    },
  };
}
