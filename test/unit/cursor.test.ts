import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bindingOf, CursorCodec } from '../../src/pagination/cursor.js';

const reasonOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    return (error as { extensions: { code: string; reason: string } }).extensions;
  }
  throw new Error('expected an error');
};

describe('CursorCodec', () => {
  const codec = new CursorCodec('a-test-secret-of-enough-length');
  const binding = bindingOf({ c: 'secrets', f: { names: ['a'] } });

  it('round-trips index and marker positions', () => {
    expect(codec.decode(codec.encode(binding, { s: '["s","n"]', p: 41 }), binding, 'after')).toEqual({
      s: '["s","n"]',
      p: 41,
    });
    expect(codec.decode(codec.encode(binding, { s: 'x', p: 'name-7' }), binding, 'after')).toEqual({
      s: 'x',
      p: 'name-7',
    });
  });

  it('round-trips the total hint, and segment keys and markers that JSON must escape', () => {
    const segment = JSON.stringify(['src "1"', 'ns\\2']);
    for (const payload of [
      { s: segment, p: 0, h: 660 },
      { s: segment, p: 'marker "q" \u2028', h: 0 },
      { s: segment, p: 99 },
    ]) {
      const cursor = codec.encode(binding, payload);
      expect(codec.decode(cursor, binding, 'after')).toEqual(payload);
      expect(JSON.parse(Buffer.from(cursor.split('.')[0], 'base64url').toString('utf8'))).toEqual({
        v: 2,
        b: binding,
        ...payload,
      });
    }
    // Cursors of one segment differ by position only, and each is signed on its own.
    const [a, b] = [codec.encode(binding, { s: segment, p: 1 }), codec.encode(binding, { s: segment, p: 2 })];
    expect(a.split('.')[1]).not.toBe(b.split('.')[1]);
  });

  it('signs a run of consecutive positions once; each offset decodes to its own position', () => {
    const at = codec.encodeRun(binding, { s: 'seg', p: 40, h: 660 }, 3);
    const cursors = [0, 1, 2].map(at);
    expect(new Set(cursors.map((c) => c.split('.').slice(0, 2).join('.'))).size).toBe(1);
    expect(cursors.map((c) => codec.decode(c, binding, 'after'))).toEqual(
      [40, 41, 42].map((p) => ({ s: 'seg', p, h: 660 })),
    );
    const [body, mac] = cursors[0].split('.');
    // An offset past the run, a run without its offset, or a forged run: refused.
    expect(reasonOf(() => codec.decode(`${body}.${mac}.3`, binding, 'after'))).toMatchObject({
      reason: 'TAMPERED_CURSOR',
    });
    expect(reasonOf(() => codec.decode(`${body}.${mac}`, binding, 'after'))).toMatchObject({
      reason: 'MALFORMED_CURSOR',
    });
    expect(reasonOf(() => codec.decode(`${body}.${mac}.x1`, binding, 'after'))).toMatchObject({
      reason: 'MALFORMED_CURSOR',
    });
    const longer = Buffer.from(Buffer.from(body, 'base64url').toString().replace('"n":3', '"n":99')).toString(
      'base64url',
    );
    expect(reasonOf(() => codec.decode(`${longer}.${mac}.50`, binding, 'after'))).toMatchObject({
      reason: 'TAMPERED_CURSOR',
    });
    expect(reasonOf(() => codec.decode(cursors[1], bindingOf({ c: 'other' }), 'after'))).toMatchObject({
      reason: 'FOREIGN_CURSOR',
    });
  });

  it('binds the binding independently of key order', () => {
    expect(bindingOf({ a: 1, b: [1, 2] })).toBe(bindingOf({ b: [1, 2], a: 1 }));
    expect(bindingOf({ a: 1 })).not.toBe(bindingOf({ a: 2 }));
  });

  it('rejects malformed, tampered and foreign cursors as BAD_USER_INPUT', () => {
    const good = codec.encode(binding, { s: 'x', p: 3 });
    expect(reasonOf(() => codec.decode('not a cursor', binding, 'after'))).toMatchObject({
      code: 'BAD_USER_INPUT',
      reason: 'MALFORMED_CURSOR',
    });
    expect(reasonOf(() => codec.decode('', binding, 'after'))).toMatchObject({ reason: 'MALFORMED_CURSOR' });
    const [body, mac] = good.split('.');
    const forged = Buffer.from(
      Buffer.from(body, 'base64url')
        .toString()
        .replace(/"p": *3/, '"p":4'),
    ).toString('base64url');
    expect(reasonOf(() => codec.decode(`${forged}.${mac}`, binding, 'after'))).toMatchObject({
      reason: 'TAMPERED_CURSOR',
    });
    expect(reasonOf(() => codec.decode(good, bindingOf({ c: 'other' }), 'after'))).toMatchObject({
      reason: 'FOREIGN_CURSOR',
    });
    expect(
      reasonOf(() => new CursorCodec('another-secret-of-enough-length').decode(good, binding, 'after')),
    ).toMatchObject({ reason: 'TAMPERED_CURSOR' });
  });

  it('accepts the cursors the previous release issued with the same secret (a walk begun on an older replica goes on)', () => {
    // Issued by the release before this one (HMAC-SHA256) with this codec's secret and binding.
    expect(binding).toBe('DXhCeUu-rzXa');
    const keyset =
      'eyJ2IjoyLCJiIjoiRFhoQ2VVdS1yelhhIiwicyI6IkBpbnZlbnRvcnkiLCJwIjoiW1sxNzY0NTQ3MjAwMDAwXSwwLDIsMTE3XSJ9.19Qri5G3_y1bkqiFHnaLmR';
    expect(codec.decode(keyset, binding, 'after')).toEqual({
      s: '@inventory',
      p: JSON.stringify([[1764547200000], 0, 2, 117]),
    });
    const run = 'eyJ2IjoyLCJiIjoiRFhoQ2VVdS1yelhhIiwicyI6InNlZyIsInAiOjQwLCJuIjozLCJoIjo2NjB9.cUS7fqaH_Vcbnl02iokSuE.2';
    expect(codec.decode(run, binding, 'after')).toEqual({ s: 'seg', p: 42, h: 660 });
    // This release signs its own way; another secret accepts neither.
    expect(codec.encode(binding, { s: '@inventory', p: JSON.stringify([[1764547200000], 0, 2, 117]) })).not.toBe(
      keyset,
    );
    const other = new CursorCodec('another-secret-of-enough-length');
    for (const cursor of [keyset, run])
      expect(reasonOf(() => other.decode(cursor, binding, 'after'))).toMatchObject({ reason: 'TAMPERED_CURSOR' });
  });

  it('writes, when compatible (a rolling upgrade), exactly the cursors the earlier release wrote, and reads its own', () => {
    // The same cursors as above, which the release before the one-pass MAC issued with this secret:
    // an older replica reads what a compatible codec writes because it is what it wrote itself.
    const compatible = new CursorCodec('a-test-secret-of-enough-length', { compatible: true });
    const p = JSON.stringify([[1764547200000], 0, 2, 117]);
    expect(compatible.encode(binding, { s: '@inventory', p })).toBe(
      'eyJ2IjoyLCJiIjoiRFhoQ2VVdS1yelhhIiwicyI6IkBpbnZlbnRvcnkiLCJwIjoiW1sxNzY0NTQ3MjAwMDAwXSwwLDIsMTE3XSJ9.19Qri5G3_y1bkqiFHnaLmR',
    );
    expect(compatible.encodeRun(binding, { s: 'seg', p: 40, h: 660 }, 3)(2)).toBe(
      'eyJ2IjoyLCJiIjoiRFhoQ2VVdS1yelhhIiwicyI6InNlZyIsInAiOjQwLCJuIjozLCJoIjo2NjB9.cUS7fqaH_Vcbnl02iokSuE.2',
    );
    // Per edge, as a page writes them: the same as one at a time.
    expect(compatible.encoderFor(binding, 'seg')(7)).toBe(compatible.encode(binding, { s: 'seg', p: 7 }));
    // Both ways between a compatible replica and one that is not, under one secret.
    for (const [writer, reader] of [
      [compatible, codec],
      [codec, compatible],
    ])
      for (const payload of [
        { s: 'seg', p: 7 },
        { s: 'x', p: 'name-7', h: 12 },
        { s: 'end', p: null, z: 1 as const },
      ])
        expect(reader.decode(writer.encode(binding, payload), binding, 'after')).toEqual(payload);
  });

  it('refuses every cursor one character away from one it issued (seeded property)', () => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.';
    fc.assert(
      fc.property(
        fc.oneof(fc.integer({ min: 0, max: 1e6 }), fc.string({ maxLength: 40 })),
        fc.option(fc.integer({ min: 0, max: 1e5 }), { nil: undefined }),
        fc.nat(),
        fc.nat(),
        // Written by a replica with `compatibleCursors` or without it; read by one without.
        fc.boolean(),
        (p, h, at, replacement, compatible) => {
          const writer = compatible ? new CursorCodec('a-test-secret-of-enough-length', { compatible }) : codec;
          const cursor = writer.encode(binding, h === undefined ? { s: 'seg', p } : { s: 'seg', p, h });
          const i = at % cursor.length;
          const ch = alphabet[replacement % alphabet.length];
          fc.pre(ch !== cursor[i]);
          const changed = cursor.slice(0, i) + ch + cursor.slice(i + 1);
          const extensions = reasonOf(() => codec.decode(changed, binding, 'after'));
          expect(extensions.code).toBe('BAD_USER_INPUT');
          expect(['TAMPERED_CURSOR', 'MALFORMED_CURSOR']).toContain(extensions.reason);
        },
      ),
      { seed: 20261207, numRuns: 2000 },
    );
  });
});
