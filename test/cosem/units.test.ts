import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DLMS_UNITS, unitCode, unitName, unitQuantity } from '../../src/cosem/index.js';

/**
 * The DLMS unit enumeration (Blue Book, IEC 62056-6-2), written out independently of the source table: every
 * assigned code and its DLMS name.
 */
const EXPECTED: Record<number, string> = {
  1: 'a',
  2: 'mo',
  3: 'wk',
  4: 'd',
  5: 'h',
  6: 'min',
  7: 's',
  8: '°',
  9: '°C',
  10: 'currency',
  11: 'm',
  12: 'm/s',
  13: 'm³',
  14: 'm³',
  15: 'm³/h',
  16: 'm³/h',
  17: 'm³/d',
  18: 'm³/d',
  19: 'l',
  20: 'kg',
  21: 'N',
  22: 'Nm',
  23: 'Pa',
  24: 'bar',
  25: 'J',
  26: 'J/h',
  27: 'W',
  28: 'VA',
  29: 'var',
  30: 'Wh',
  31: 'VAh',
  32: 'varh',
  33: 'A',
  34: 'C',
  35: 'V',
  36: 'V/m',
  37: 'F',
  38: 'Ω',
  39: 'Ωm²/m',
  40: 'Wb',
  41: 'T',
  42: 'A/m',
  43: 'H',
  44: 'Hz',
  45: '1/(Wh)',
  46: '1/(varh)',
  47: '1/(VAh)',
  48: 'V²h',
  49: 'A²h',
  50: 'kg/s',
  51: 'S',
  52: 'K',
  53: '1/(V²h)',
  54: '1/(A²h)',
  55: '1/m³',
  56: '%',
  57: 'Ah',
  60: 'Wh/m³',
  61: 'J/m³',
  62: 'Mol %',
  63: 'g/m³',
  64: 'Pa s',
  65: 'J/kg',
  66: 'g/cm²',
  67: 'atm',
  70: 'dBm',
  71: 'dBµV',
  72: 'dB',
  254: 'other',
  255: 'count',
};

test('every unit code 0..255 has exactly the DLMS name (or none when unassigned)', () => {
  for (let code = 0; code <= 255; code++) assert.equal(unitName(code), EXPECTED[code], `code ${code}`);
  assert.equal(DLMS_UNITS.length, Object.keys(EXPECTED).length);
});

test('the units electricity meters send', () => {
  assert.deepEqual([27, 28, 29, 30, 31, 32, 33, 35, 44, 56, 255].map(unitName), [
    'W',
    'VA',
    'var',
    'Wh',
    'VAh',
    'varh',
    'A',
    'V',
    'Hz',
    '%',
    'count',
  ]);
});

test('unitCode is the inverse for names with one code, and the first code for shared names', () => {
  for (const [code, name] of DLMS_UNITS) {
    const back = unitCode(name);
    assert.equal(unitName(back!), name);
    if (!['m³', 'm³/h', 'm³/d'].includes(name)) assert.equal(back, code, name);
  }
  assert.equal(unitCode('m³'), 13);
  assert.equal(unitCode('kWh'), undefined);
});

test('unitQuantity names what a code measures', () => {
  assert.equal(unitQuantity(35), 'voltage');
  assert.equal(unitQuantity(32), 'reactive energy');
  assert.equal(unitQuantity(0), undefined);
});
