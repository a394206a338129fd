import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { parseJsonKeepingLongIntegers } from '../../src/providers/alibaba/json.js';
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

describe('parseJsonKeepingLongIntegers (pop-core fast path)', () => {
  const require = createRequire(import.meta.url);
  const slowParse = (require('json-bigint') as { parse: (text: string) => unknown }).parse;
  const slow = (text: string) => toPlain(slowParse(text));
  const fast = (text: string) => parseJsonKeepingLongIntegers(text, slowParse);

  it('gives what json-bigint + toPlain gave, for long integers anywhere a number may stand', () => {
    const bodies = [
      '{"Data":{"SecretId":9007199254740993,"Small":16,"List":[{"A":1}]}}',
      '{"a":[9007199254740993,-9007199254740993,12345678901234567890123]}',
      '{"safe16":1234567890123456,"ms":1700000000000,"edge":9007199254740991,"over":9007199254740992}',
      '{"id":"9007199254740993","text":"id 9007199254740993 in a string","esc":"quote \\" 12345678901234567890 \\\\"}',
      '{"looksLikeAValue":"a:12345678901234567890,b","list":"[12345678901234567890]","n":12345678901234567890}',
      '{ "spaced" : 12345678901234567890 , "arr" : [ 12345678901234567890 ] }',
      '{"nested":{"x":[{"y":{"z":18446744073709551615}}]},"t":true,"f":false,"n":null}',
      '[]',
      '"just a string"',
    ];
    for (const body of bodies) expect(fast(body), body).toEqual(slow(body));
    expect((fast(bodies[0]) as { Data: { SecretId: unknown } }).Data.SecretId).toBe('9007199254740993');
  });

  it('leaves decimals and exponents to JSON.parse (json-bigint made long decimals strings; no field of ours is one)', () => {
    expect(
      fast('{"dec":0.12345678901234567,"big":12345678901234567.5,"exp":1.5e300,"e":12345678901234567e2,"neg":-0.5}'),
    ).toEqual({
      dec: 0.12345678901234567,
      big: 12345678901234567.5,
      exp: 1.5e300,
      e: 12345678901234567e2,
      neg: -0.5,
    });
  });

  it('gives plain objects, and refuses what json-bigint refuses', () => {
    expect(Object.getPrototypeOf(fast('{"a":{"b":1}}'))).toBe(Object.prototype);
    for (const body of ['{"__proto__":{"polluted":1}}', '{"constructor":{"prototype":{}}}', '{"\\u005f_proto__":{}}']) {
      expect(() => fast(body), body).toThrow();
      expect(() => slow(body), body).toThrow();
    }
    expect(() => fast('<html>502</html>')).toThrow(SyntaxError);
  });
});
