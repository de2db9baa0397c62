/**
 * Frame signatures of the Wiener Netze infrared interface: each HDLC frame is followed by a 96-byte trailer
 *
 *   SHA-256(frame bytes as received, opening flag … last byte before the trailer)  32 bytes
 *   ECDSA P-256 signature of those bytes, r ‖ s (IEEE P1363)                        64 bytes
 *
 * verified with the meter's public key, which Wiener Netze publishes per meter as the uncompressed point
 * `04 ‖ x ‖ y` (65 bytes, 130 hex digits). node:crypto does the work (a JWK from x and y).
 */
import { createHash, createPublicKey, verify, type KeyObject } from 'node:crypto';
import { DecodeError } from '../errors.js';

export const SIGNATURE_TRAILER_LENGTH = 96;
const DIGEST_LENGTH = 32;

/** SHA-256 of the frame bytes: how a trailer is recognised. */
export function frameDigest(frame: Uint8Array): Uint8Array {
  return createHash('sha256').update(frame).digest();
}

/** The meter's public key from its uncompressed point; throws `signature.key` for anything else. */
export function signatureKey(point: Uint8Array): KeyObject {
  if (point.length !== 65 || point[0] !== 0x04) {
    throw new DecodeError(
      'signature.key',
      'the signature public key must be the uncompressed P-256 point: 04 followed by x and y (130 hex digits)',
      'input',
    );
  }
  const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64url');
  try {
    return createPublicKey({
      key: { kty: 'EC', crv: 'P-256', x: b64(point.subarray(1, 33)), y: b64(point.subarray(33)) },
      format: 'jwk',
    });
  } catch {
    throw new DecodeError(
      'signature.key',
      'the signature public key is no point on the P-256 curve',
      'input',
    );
  }
}

/** Checks a frame's trailer; throws `signature.missing` / `signature.invalid`. */
export function verifyFrameSignature(
  frame: Uint8Array,
  trailer: Uint8Array | undefined,
  key: KeyObject,
): void {
  if (!trailer || trailer.length !== SIGNATURE_TRAILER_LENGTH) {
    throw new DecodeError(
      'signature.missing',
      'frame without its 96-byte signature trailer although a signature key is configured: readings dropped',
      'security',
    );
  }
  const digest = frameDigest(frame);
  const ok =
    Buffer.from(digest).equals(trailer.subarray(0, DIGEST_LENGTH)) &&
    verify('sha256', frame, { key, dsaEncoding: 'ieee-p1363' }, trailer.subarray(DIGEST_LENGTH));
  if (!ok) {
    throw new DecodeError(
      'signature.invalid',
      'frame signature does not verify with the configured public key (a damaged frame or the wrong key for this meter): readings dropped',
      'security',
    );
  }
}
