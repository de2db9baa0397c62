/**
 * kaifareader as a library (Node-RED, ioBroker, your own scripts): feed bytes, get readings and diagnostics.
 *
 *   import { TelegramDecoder, parseKey } from 'kaifareader';
 *   const decoder = new TelegramDecoder({ keys: { encryptionKey: parseKey('36C66639E48A8CA4D6BC8B282A793BBB') } });
 *   port.on('data', (chunk) => {
 *     for (const ev of decoder.push(chunk, Date.now())) {
 *       if (ev.type === 'telegram') console.log(ev.snapshot.readings);   // [{obis, key, name, value, unit}]
 *       else if (ev.type === 'error') console.warn(ev.error.code, ev.error.message);
 *     }
 *   });
 *
 * Everything exported here is pure (no I/O, no clocks) except where noted.
 */

// Hand-off types and errors
export * from './errors.js';
export type { MeterSnapshot, Reading, SecurityInfo, Framing } from './model/snapshot.js';
export { findReading, numberValue } from './model/snapshot.js';

// The streaming decoder and the one-APDU decoder
export {
  TelegramDecoder,
  type DecoderEvent,
  type TelegramDecoderOptions,
} from './pipeline/telegram-decoder.js';
export { decodeApdu, type ApduContext, type DecodedTelegram } from './pipeline/decode-apdu.js';
export { encodeTelegram, type TelegramFields } from './pipeline/encode-telegram.js';
export type { CipherKeys } from './dlms/decipher.js';
export { encodeDataNotification, encodeGeneralGloCiphering, type CipherFields } from './dlms/encode.js';

// Building blocks
export * as framing from './framing/index.js';
export * as axdr from './axdr/index.js';
export * as cosem from './cosem/index.js';
export { PROFILES, findProfile, interpretBody, type Profile, type PositionRule } from './profiles/index.js';
export { parseHex, parseKey, toHex } from './util/hex.js';
