/**
 * One error type for everything the decoder can say about bad input. Decoders throw it internally; the pipeline
 * boundary turns it into a value (`{ ok: false, error }`), counts it by `code` and never lets it escape.
 */

/** Protocol layer that found the problem. */
export type Layer =
  'input' | 'mbus' | 'hdlc' | 'framing' | 'apdu' | 'security' | 'axdr' | 'cosem' | 'profile' | 'dsmr';

/**
 * Error codes are a stable contract (counted in status and metrics, printed by the CLI, documented in README):
 *
 *   input      input.hex, input.key, input.file, input.none, profile.unknown, signature.key
 *   framing    framing.garbage, framing.trailer (no error), framing.truncated, framing.too-long, framing.none,
 *              mbus.unverified,
 *              telegram.incomplete, mbus.header, mbus.length, mbus.checksum, mbus.stop-byte, mbus.segment-order,
 *              hdlc.format, hdlc.hcs, hdlc.fcs, hdlc.length, hdlc.flag, hdlc.unverified, hdlc.segment-order,
 *              gbt.sequence, gbt.too-long, dsmr.crc (a DSMR text telegram on the line)
 *   apdu       apdu.unknown-tag, apdu.truncated, apdu.length, apdu.system-title, apdu.date-time
 *   security   key.missing, gcm.auth-failed, plaintext.invalid (wrong key, tag-less telegrams),
 *              security.unsupported, signature.missing, signature.invalid (frame signatures)
 *   body       axdr.truncated, axdr.unknown-tag, axdr.invalid, axdr.trailing, cosem.date-time, cosem.obis,
 *              dsmr.crc, dsmr.invalid, layout.unknown
 */
export class DecodeError extends Error {
  override readonly name = 'DecodeError';
  constructor(
    readonly code: string,
    message: string,
    readonly layer: Layer,
    /** Byte offset in the buffer the decoder was given (frame, APDU or plaintext), when it applies. */
    readonly offset?: number,
  ) {
    super(message);
  }

  toJSON(): { code: string; message: string; layer: Layer; offset?: number } {
    return { code: this.code, message: this.message, layer: this.layer, offset: this.offset };
  }
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: DecodeError };

export function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}

export function fail<T = never>(error: DecodeError): Result<T> {
  return { ok: false, error };
}

/** Runs `fn`, turning a thrown DecodeError into a value; other exceptions are bugs and are rethrown. */
export function attempt<T>(fn: () => T): Result<T> {
  try {
    return ok(fn());
  } catch (e) {
    if (e instanceof DecodeError) return fail(e);
    throw e;
  }
}
