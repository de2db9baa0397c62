/**
 * `kaifareader decode [--key HEX | --key-file PATH] [--auth-key HEX | --auth-key-file PATH] [--signature-key HEX]
 *   [--profile ID] [--json] (HEX… | --file PATH | -)`; keys also from $KAIFAREADER_KEY / $KAIFAREADER_AUTH_KEY
 *   (see decode-keys.ts).
 *
 * Decodes frames, APDUs or a whole capture (hex with any whitespace, a `kaifareader capture` file, or binary).
 * Exit status: 0 every telegram decoded; 1 a telegram failed or none was found; 64 bad usage (key, hex, file).
 */
import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { DecodeError } from '../errors.js';
import { parseHex } from '../util/hex.js';
import { TelegramDecoder, type DecoderEvent } from '../pipeline/telegram-decoder.js';
import { BENIGN_SKIPS, type LinkLayer } from '../framing/scanner.js';
import { decodeCapture } from '../transport/capture-file.js';
import { findProfile, PROFILES } from '../profiles/meters.js';
import { decodeKeys, type KeyOptions } from './decode-keys.js';
import { errorToJson, snapshotToJson, snapshotToTable } from './decode-output.js';
import { explainEvent, parseScalers } from './decode-explain.js';

interface DecodeOptions extends KeyOptions {
  signatureKey?: string;
  profile?: string;
  json?: boolean;
  file?: string;
  verbose?: boolean;
  explain?: boolean;
  scaler?: string[];
}

export const EXIT_DECODE_FAILED = 1;
export const EXIT_USAGE = 64;

/** Input → chunks: hex arguments (each may be a frame or a whole capture), a file, or stdin (`-`). */
function readInput(args: string[], opts: DecodeOptions, warn: (w: string) => void): Uint8Array[] {
  if (opts.file !== undefined || (args.length === 1 && args[0] === '-')) {
    const path = opts.file ?? '-';
    let bytes: Uint8Array;
    try {
      // fd 0, not /dev/stdin: opening /dev/stdin fails (ENXIO) when stdin is a socket, as under spawn().
      bytes = readFileSync(path === '-' ? 0 : path);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new DecodeError(
        'input.file',
        `cannot read ${path === '-' ? 'stdin' : path}: ${code === 'ENOENT' ? 'no such file' : (code ?? String(e))}`,
        'input',
      );
    }
    return decodeCapture(bytes, (w) => warn(`warning: ${path === '-' ? 'stdin' : path}: ${w}`)).map(
      (c) => c.bytes,
    );
  }
  if (args.length === 0) {
    throw new DecodeError(
      'input.none',
      'nothing to decode: give hex frames as arguments, --file PATH, or - for stdin',
      'input',
    );
  }
  return args.map((a) => parseHex(a));
}

export interface DecodeRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** The whole command as a function (testable without spawning). */
export function runDecode(args: string[], opts: DecodeOptions, now = Date.now()): DecodeRun {
  const out: string[] = [];
  const err: string[] = [];
  let decoder: TelegramDecoder;
  let chunks: Uint8Array[];
  let scalers: Record<string, number> = {};
  try {
    if (opts.profile !== undefined && !findProfile(opts.profile)) {
      throw new DecodeError(
        'profile.unknown',
        `unknown profile "${opts.profile}"; known: ${PROFILES.map((p) => p.id).join(', ')}`,
        'input',
      );
    }
    scalers = parseScalers(opts.scaler);
    decoder = new TelegramDecoder({
      keys: decodeKeys(opts),
      profile: opts.profile,
      emitFrames: opts.verbose,
      signaturePublicKey: opts.signatureKey !== undefined ? signaturePoint(opts.signatureKey) : undefined,
      scalers,
    });
    chunks = readInput(args, opts, (w) => err.push(w));
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
    if (opts.json) out.push(JSON.stringify(errorToJson(e)));
    else err.push(`error: ${e.message}`);
    return { code: EXIT_USAGE, stdout: lines(out), stderr: lines(err) };
  }
  const events: DecoderEvent[] = chunks.flatMap((c) => decoder.push(c, now));
  events.push(...decoder.flush());
  let telegrams = 0;
  let failures = 0;
  for (const ev of events) {
    if (opts.explain) err.push(...explainEvent(ev, { profile: opts.profile, scalers }));
    if (ev.type === 'telegram') {
      telegrams++;
      out.push(opts.json ? JSON.stringify(snapshotToJson(ev.snapshot)) : snapshotToTable(ev.snapshot));
      if (opts.verbose && !opts.json)
        out.push(`plaintext: ${Buffer.from(ev.plaintext).toString('hex').toUpperCase()}\n`);
    } else if (ev.type === 'error') {
      failures++;
      if (opts.json) out.push(JSON.stringify(errorToJson(ev.error)));
      else err.push(`error [${ev.error.code}]: ${ev.error.message}`);
    } else if (ev.type === 'skipped') {
      const serious = !BENIGN_SKIPS.has(ev.code);
      if (serious && opts.json)
        out.push(
          JSON.stringify({
            error: { code: ev.code, message: ev.reason, layer: 'framing', offset: ev.offset },
          }),
        );
      if (serious) failures++;
      if (!opts.json || opts.verbose)
        err.push(`skipped ${ev.count} byte(s) at offset ${ev.offset} [${ev.code}]: ${ev.reason}`);
    } else if (opts.verbose) {
      err.push(`frame ${ev.frame.kind} ${ev.frame.bytes.length} bytes, final=${ev.frame.segment.final}`);
    }
  }
  if (opts.verbose) err.push(linkLine(decoder.linkLayer));
  if (telegrams === 0 && failures === 0) {
    const e = new DecodeError(
      'framing.none',
      'no complete M-Bus/HDLC frame or APDU found in the input',
      'framing',
    );
    if (opts.json) out.push(JSON.stringify(errorToJson(e)));
    else err.push(`error [${e.code}]: ${e.message}`);
    failures++;
  }
  return { code: failures > 0 ? EXIT_DECODE_FAILED : 0, stdout: lines(out), stderr: lines(err) };
}

/** The signature public key: 130 hex digits (04 ‖ x ‖ y); the constructor checks the point. */
function signaturePoint(hex: string): Uint8Array {
  try {
    return parseHex(hex);
  } catch {
    throw new DecodeError(
      'signature.key',
      '--signature-key takes the meter public key as hex: 04 followed by x and y (130 hex digits)',
      'input',
    );
  }
}

/** What `--verbose` says about the stream's link layer (decided once per stream). */
function linkLine(layer: LinkLayer): string {
  switch (layer) {
    case 'none':
      return 'link layer: none (bare APDUs, accepted because the input carries no HDLC/M-Bus frame before them)';
    case 'unknown':
      return 'link layer: not decided (no frame or APDU found)';
    default:
      return `link layer: ${layer === 'dsmr' ? 'DSMR text' : layer.toUpperCase()} (bare APDUs inside this stream are not read)`;
  }
}

function lines(parts: string[]): string {
  return parts.length ? parts.map((p) => (p.endsWith('\n') ? p : p + '\n')).join('') : '';
}

export function register(program: Command): void {
  program
    .command('decode')
    .description('decode telegrams given as hex, a capture file or stdin, and print the readings')
    .argument('[hex...]', 'frames or APDUs as hex (whitespace allowed); - reads stdin')
    .option('-k, --key <hex>', 'AES-128 encryption key (32 hex digits)')
    .option('--key-file <path>', 'read the encryption key (hex) from a file; or set $KAIFAREADER_KEY')
    .option('-a, --auth-key <hex>', 'authentication key, to verify GCM tags (SC 0x30)')
    .option('--auth-key-file <path>', 'read the authentication key from a file; or $KAIFAREADER_AUTH_KEY')
    .option(
      '--signature-key <hex>',
      'meter public key (04 ‖ x ‖ y, 130 hex digits) to verify frame signature trailers (Wiener Netze)',
    )
    .option('-p, --profile <id>', `layout instead of detection (${PROFILES.map((p) => p.id).join(', ')})`)
    .option('-f, --file <path>', 'read hex, a capture file or binary from a file')
    .option('--json', 'one JSON object per telegram and line')
    .option('-v, --verbose', 'also show frames, skipped bytes and the plaintext')
    .option(
      '--explain',
      'show the decrypted A-XDR tree and which profile claimed which element, or why none did',
    )
    .option(
      '--scaler <obis=power>',
      'scaler for a register sent without one, e.g. 1.1.31.7.0.255=-2 (repeatable)',
      (v: string, all: string[] = []) => [...all, v],
    )
    .action((hex: string[], opts: DecodeOptions) => {
      const r = runDecode(hex, opts);
      process.stdout.write(r.stdout);
      process.stderr.write(r.stderr);
      process.exitCode = r.code;
    });
}
