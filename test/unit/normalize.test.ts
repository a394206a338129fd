import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { toDate, toPlain } from '../../src/sources/normalize.js';

describe('toDate', () => {
  const instant = '2020-02-12T11:39:40.000Z';
  it('reads milliseconds, seconds, numeric strings and ISO strings as the same instant', () => {
    expect(toDate(1581507580000)?.toISOString()).toBe(instant);
    expect(toDate(1581507580)?.toISOString()).toBe(instant);
    expect(toDate('1581507580000')?.toISOString()).toBe(instant);
    expect(toDate('1581507580')?.toISOString()).toBe(instant);
    expect(toDate('2020-02-12T11:39:40Z')?.toISOString()).toBe(instant);
  });
  it('gives null for absent or unreadable values', () => {
    for (const value of [null, undefined, '', 0, 'soon', {}]) expect(toDate(value)).toBeNull();
  });
});

describe('toPlain', () => {
  it('turns json-bigint output into plain objects with big integers as strings', () => {
    const require = createRequire(import.meta.url);
    const JSONbig = require('json-bigint');
    const parsed = JSONbig.parse('{"Data":{"SecretId":9007199254740993,"Small":16,"List":[{"A":1}]}}');
    expect(Object.getPrototypeOf(parsed)).toBeNull();
    const plain = toPlain<{ Data: { SecretId: unknown; Small: unknown; List: Array<{ A: number }> } }>(parsed);
    expect(Object.getPrototypeOf(plain)).toBe(Object.prototype);
    expect(plain.Data.SecretId).toBe('9007199254740993');
    expect(plain.Data.Small).toBe(16);
    expect(plain.Data.List[0].A).toBe(1);
  });
});
