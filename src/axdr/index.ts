/** A-XDR codec (DLMS "Data"): typed value tree ↔ bytes. Pure, no I/O. */
export { decodeAxdr, decodeAxdrLength, MAX_DEPTH } from './decode.js';
export { encodeAxdr, encodeAxdrLength, describeAxdr } from './encode.js';
export { readDateTimeFields, writeDateTimeFields } from './date-time-fields.js';
export { TYPE_BY_TAG, TAG_BY_TYPE } from './tags.js';
export type { AxdrValue, AxdrType, CosemDateTime, SimpleAxdrType, TypeDescription } from './types.js';
