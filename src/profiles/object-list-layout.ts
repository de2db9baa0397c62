/**
 * Self-describing pushes that send the object list first and the values after (Landis+Gyr E360/E450 HAN,
 * Energomera): the body is a structure whose first element is the push setup's capture-object list
 *
 *   array[N] of {uint16 class_id, octet-string[6] logical_name, int8 attribute_index, uint16 data_index}
 *
 * as element i = 0, and the captured values as elements 1…N-1: element i is the value of entry i. The list
 * starts with the push setup's own attributes (class 40: attribute 2 is this very list, attribute 1 its logical
 * name), which carry no reading; the attribute index (2 = value) is not a value.
 */
import type { AxdrValue } from '../axdr/types.js';
import type { Reading } from '../model/snapshot.js';
import { toReadingValue } from './values.js';
import { makeReading, obisInfoFromBytes } from './reading.js';

const PUSH_SETUP_CLASS = 40;

function isCaptureObject(v: AxdrValue): boolean {
  if (v.type !== 'structure' || v.items.length !== 4) return false;
  const [cls, ln, attr, idx] = v.items;
  return (
    cls!.type === 'uint16' &&
    ln!.type === 'octet-string' &&
    ln!.value.length === 6 &&
    attr!.type === 'int8' &&
    idx!.type === 'uint16'
  );
}

/** The capture-object list when the body has this shape, else undefined. */
function objectList(body: AxdrValue): AxdrValue[] | undefined {
  if (body.type !== 'structure') return undefined;
  const head = body.items[0];
  if (head?.type !== 'array' || head.items.length === 0) return undefined;
  if (body.items.length !== head.items.length || !head.items.every(isCaptureObject)) return undefined;
  return head.items;
}

export function isObjectListBody(body: AxdrValue): boolean {
  return objectList(body) !== undefined;
}

/** Readings pairing each listed code with its value, or undefined when the body has another shape. */
export function readObjectList(body: AxdrValue): Reading[] | undefined {
  const list = objectList(body);
  if (!list || body.type !== 'structure') return undefined;
  const readings: Reading[] = [];
  list.forEach((entry, i) => {
    const [cls, ln] = (entry as { items: AxdrValue[] }).items as unknown as [
      { value: number },
      { value: Uint8Array },
    ];
    if (cls.value === PUSH_SETUP_CLASS) return;
    const value = toReadingValue(body.items[i]!);
    if (value !== undefined) readings.push(makeReading(obisInfoFromBytes(ln.value), value));
  });
  return readings;
}
