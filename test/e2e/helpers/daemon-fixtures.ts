/**
 * E2E helper: the things a daemon test sets up around the real CLI — a temp dir, the OLD Python `meter.json`
 * template with port/key/paths filled in, a writer on the meter's end of a pty pair, and "has the daemon opened
 * the port" (its /proc/<pid>/fd links), so bytes are written only when somebody reads them.
 */
import { loadVector } from '../../helpers/vectors.js';
import {
  chmodSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './cli-process.js';

export const TEMPLATE_PATH = join(ROOT, 'test', 'fixtures', 'config', 'meter_template.json');

export interface TempDir {
  path: string;
  remove(): void;
}

export function makeTempDir(prefix = 'kaifareader-e2e-'): TempDir {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/**
 * Writes the old Python template (`test/fixtures/config/meter_template.json`, unchanged keys and spellings) with
 * `changes` applied to `<dir>/meter.json`, mode 600 (it holds a key). A change whose value is `undefined` deletes
 * the key. Returns the path.
 */
export function writeLegacyConfig(
  dir: string,
  changes: Record<string, unknown>,
  name = 'meter.json',
): string {
  const config = JSON.parse(readFileSync(TEMPLATE_PATH, 'utf8')) as Record<string, unknown>;
  for (const [k, v] of Object.entries(changes)) {
    if (v === undefined) delete config[k];
    else config[k] = v;
  }
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(config, null, 2));
  chmodSync(path, 0o600);
  return path;
}

/** Reads a file, or undefined when it does not exist (yet). */
export function readIfExists(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** Does process `pid` hold the tty behind `ptyLink` open? (Linux /proc; false when either is gone.) */
export function holdsOpen(pid: number, ptyLink: string): boolean {
  let target: string;
  try {
    target = realpathSync(ptyLink);
  } catch {
    return false;
  }
  try {
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      try {
        if (readlinkSync(`/proc/${pid}/fd/${fd}`) === target) return true;
      } catch {
        // fd closed meanwhile
      }
    }
  } catch {
    return false;
  }
  return false;
}

/** The meter's end of a pty pair: writes whole frames or small pieces. */
export interface MeterWriter {
  write(frames: readonly Uint8Array[], pieceSize?: number): Promise<void>;
  close(): Promise<void>;
}

export async function openMeterEnd(path: string): Promise<MeterWriter> {
  const fh: FileHandle = await open(path, 'w');
  return {
    async write(frames, pieceSize) {
      for (const f of frames) {
        if (!pieceSize) await fh.write(f);
        else for (let at = 0; at < f.length; at += pieceSize) await fh.write(f.subarray(at, at + pieceSize));
      }
    },
    close: () => fh.close(),
  };
}

export const hexBytes = (h: string): Uint8Array => Uint8Array.from(Buffer.from(h, 'hex'));

/** The Vorarlberg Kaifa MA309 capture (key, two M-Bus frames) most daemon tests feed. */
export const VKW = loadVector('vorarlberg_philippsev-vkw_1');
export const VKW_FRAMES = VKW.frames_hex.map(hexBytes);
