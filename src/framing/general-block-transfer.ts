/**
 * General-block-transfer (DLMS Green Book, APDU tag 0xE0), used by some L+G E450 instead of HDLC segmentation:
 *
 *   E0 <block-control> <block-number u16> <block-number-ack u16> <A-XDR length> <block data>
 *   block-control: bit 7 last-block, bit 6 streaming, bits 0–5 window
 *   e.g. E0 40 00 01 00 00 81 76 DB 08 … (block 1, not last) … E0 C0 00 03 00 00 … (block 3, last)
 *
 * The block data of blocks 1 … n concatenated is the inner APDU (e.g. a general-glo-ciphering `DB …`).
 * Worked example (e450-gbt_dlmsparser_1): `E0 40 00 01 00 00 77 DB 08 4C 47 5A …` = block 1 of 119 bytes,
 * `E0 40 00 02 00 00 7A …` block 2, `E0 C0 00 03 00 00 1F …` block 3 (last) → 119 + 122 + 31 = 272 bytes
 * `DB 08 <system title> 82 01 03 …` (2 + 8 + 3 + 259).
 * A block out of sequence is `gbt.sequence`; a non-GBT APDU while blocks are pending abandons them and passes.
 */
import { DecodeError } from '../errors.js';

export const GBT_TAG = 0xe0;

export type BlockEvent =
  { type: 'apdu'; apdu: Uint8Array } | { type: 'pending' } | { type: 'error'; error: DecodeError };

interface Block {
  last: boolean;
  number: number;
  data: Uint8Array;
}

function decodeBlock(apdu: Uint8Array): Block {
  if (apdu.length < 7)
    throw new DecodeError('apdu.truncated', 'general-block-transfer header truncated', 'apdu', apdu.length);
  const control = apdu[1]!;
  const number = (apdu[2]! << 8) | apdu[3]!;
  let at = 6;
  let len = apdu[at++]!;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n < 1 || n > 2 || at + n > apdu.length) {
      throw new DecodeError('apdu.truncated', 'general-block-transfer length truncated', 'apdu', at);
    }
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + apdu[at++]!;
  }
  if (at + len > apdu.length) {
    throw new DecodeError(
      'apdu.truncated',
      `general-block-transfer block ${number} shorter than its length`,
      'apdu',
      at,
    );
  }
  return { last: (control & 0x80) !== 0, number, data: apdu.subarray(at, at + len) };
}

/** Largest inner APDU (DLMS PDU sizes are ≤ 65 535). */
const MAX_APDU = 65_535;

/** Collects GBT blocks 1 … n; other APDUs pass straight through. */
export class BlockTransferAssembler {
  private blocks: Uint8Array[] = [];
  private size = 0;

  push(apdu: Uint8Array): BlockEvent {
    if (apdu[0] !== GBT_TAG) {
      this.reset(); // an unfinished transfer is abandoned; the complete APDU that interrupted it is worth more
      return { type: 'apdu', apdu };
    }
    let block: Block;
    try {
      block = decodeBlock(apdu);
    } catch (e) {
      this.reset();
      return { type: 'error', error: e as DecodeError };
    }
    if (block.number !== this.blocks.length + 1) {
      const expected = this.blocks.length + 1;
      this.reset();
      if (block.number === 1) {
        this.blocks = [block.data];
        this.size = block.data.length;
      }
      if (block.number === 1 && block.last) return this.finish();
      return {
        type: 'error',
        error: new DecodeError(
          'gbt.sequence',
          `expected block ${expected}, got block ${block.number}`,
          'apdu',
        ),
      };
    }
    this.blocks.push(block.data);
    this.size += block.data.length;
    if (this.size > MAX_APDU) {
      this.reset();
      return {
        type: 'error',
        error: new DecodeError('gbt.too-long', 'block transfer exceeds 64 KiB', 'apdu'),
      };
    }
    return block.last ? this.finish() : { type: 'pending' };
  }

  /** Blocks received of the transfer in progress. */
  get pending(): number {
    return this.blocks.length;
  }

  private reset(): void {
    this.blocks = [];
    this.size = 0;
  }

  private finish(): BlockEvent {
    const parts = this.blocks;
    this.reset();
    const apdu = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      apdu.set(p, at);
      at += p.length;
    }
    return { type: 'apdu', apdu };
  }
}

/** Splits an APDU into general-block-transfer blocks of at most `blockSize` data bytes (tests, simulator). */
export function encodeBlockTransfer(apdu: Uint8Array, blockSize: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  const count = Math.max(1, Math.ceil(apdu.length / blockSize));
  for (let i = 0; i < count; i++) {
    const data = apdu.subarray(i * blockSize, Math.min(apdu.length, (i + 1) * blockSize));
    const lenBytes =
      data.length < 0x80
        ? [data.length]
        : data.length < 0x100
          ? [0x81, data.length]
          : [0x82, data.length >> 8, data.length & 0xff];
    const b = new Uint8Array(6 + lenBytes.length + data.length);
    b.set([GBT_TAG, i === count - 1 ? 0xc0 : 0x40, (i + 1) >> 8, (i + 1) & 0xff, 0, 0, ...lenBytes]);
    b.set(data, 6 + lenBytes.length);
    out.push(b);
  }
  return out;
}
