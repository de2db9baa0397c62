/**
 * The data-notification APDU that push meters send (Green Book, tag 0x0F):
 *
 *   0F <long-invoke-id-and-priority 4> <date-time> <notification-body: one A-XDR Data>
 *   e.g. 0F 00269AB7 0C 07E7071A0314051400FF888002 02 10 …   (invoke id 0x00269AB7, 2023-07-26 20:05:20, structure(16))
 *
 * The date-time is an OPTIONAL octet-string: `0C <12 bytes>` (length 12), `09 0C <12 bytes>` (tagged octet-string,
 * some firmware) or `00` (absent). The body must parse to the last byte: this is how a wrong key is recognised
 * for tag-less telegrams (random plaintext almost never parses).
 */
import { DecodeError } from '../errors.js';
import { decodeAxdr } from '../axdr/decode.js';
import { readDateTimeFields } from '../axdr/date-time-fields.js';
import type { AxdrValue, CosemDateTime } from '../axdr/types.js';

export const DATA_NOTIFICATION = 0x0f;

export interface DataNotification {
  longInvokeId: number;
  dateTime?: CosemDateTime;
  body: AxdrValue;
}

/** Decodes a plaintext data-notification. Throws DecodeError (apdu.* / axdr.*). */
export function decodeDataNotification(apdu: Uint8Array): DataNotification {
  if (apdu[0] !== DATA_NOTIFICATION) {
    throw new DecodeError(
      'apdu.unknown-tag',
      `not a data-notification (tag 0x${(apdu[0] ?? 0).toString(16)})`,
      'apdu',
      0,
    );
  }
  if (apdu.length < 7)
    throw new DecodeError('apdu.truncated', 'data-notification truncated in its header', 'apdu', apdu.length);
  const longInvokeId = ((apdu[1]! << 24) | (apdu[2]! << 16) | (apdu[3]! << 8) | apdu[4]!) >>> 0;
  let at = 5;
  let dateTime: CosemDateTime | undefined;
  if (apdu[at] === 0x09 && apdu[at + 1] === 0x0c) at += 1; // tagged octet-string form
  if (apdu[at] === 0x0c) {
    if (at + 13 > apdu.length)
      throw new DecodeError('apdu.truncated', 'data-notification date-time truncated', 'apdu', at);
    dateTime = readDateTimeFields(apdu, at + 1, 'date-time');
    at += 13;
  } else if (apdu[at] === 0x00) {
    at += 1;
  } else {
    throw new DecodeError(
      'apdu.date-time',
      'data-notification date-time is neither absent (00) nor 12 bytes (0C)',
      'apdu',
      at,
    );
  }
  const { value, end } = decodeAxdr(apdu, at);
  if (end !== apdu.length) {
    throw new DecodeError(
      'axdr.trailing',
      `${apdu.length - end} byte(s) after the notification body`,
      'axdr',
      end,
    );
  }
  return { longInvokeId, dateTime, body: value };
}
