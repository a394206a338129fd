import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SecretRecord, Tag } from '../../src/domain/records.js';
import { keeperOf } from '../../src/inventory/query.js';
import { entryOf } from '../../src/inventory/query.js';
import { sameJson } from '../../src/inventory/source-index.js';
import { recordTest, searchTextOf, textSearchOf } from '../../src/pagination/filter.js';

const SEED = 20261206;

/** The definition, written apart from the gateway's: a case-insensitive substring of one field. */
function searchOracle(record: SecretRecord, tags: Tag[], search: string): boolean {
  const needle = search.toLowerCase();
  return [record.name, record.description ?? '', ...tags.flatMap((t) => [t.key, t.value])].some((field) =>
    field.toLowerCase().includes(needle),
  );
}

// Strings from a small alphabet, so that needles often do match: case pairs, the field break, a
// character whose lower case is two (İ), and the final sigma rule.
const text = fc.string({
  unit: fc.constantFrom('a', 'A', 'b', '-', ' ', '\u0000', 'İ', 'i', 'Σ', 'σ', 'ς', '/', 'é', 'É'),
  maxLength: 8,
});
const tag = fc.record({ key: text, value: text });
const record = fc.record({
  name: text,
  description: fc.option(text, { nil: null }),
  tags: fc.array(tag, { maxLength: 3 }),
});

function secret(r: { name: string; description: string | null }): SecretRecord {
  return {
    provider: 'fake',
    sourceId: 's',
    namespaceId: 'n',
    key: r.name,
    name: r.name,
    description: r.description,
    type: null,
    createdAt: null,
    updatedAt: null,
  };
}

describe('search over the index (one search text per secret)', () => {
  it('keeps exactly the secrets the field-by-field definition keeps, for any needle', () => {
    fc.assert(
      fc.property(
        record,
        fc.string({ unit: fc.constantFrom('a', 'B', '\u0000', 'i̇', 'İ', 'σ', 'ς', ' '), minLength: 1, maxLength: 4 }),
        (r, search) => {
          const rec = secret(r);
          const facets = { tags: r.tags };
          const filter = { search };
          // What collect() does: the text answers the search unless it holds the field break.
          const needle = textSearchOf(filter);
          const keep = keeperOf({
            namespaces: [[true]],
            tests: [needle === null ? recordTest(filter, () => facets) : null],
            search: needle,
          });
          const entry = entryOf(rec, { sourceIndex: 0, namespaceIndex: 0, seq: 0 }, facets);
          expect(keep(entry)).toBe(searchOracle(rec, r.tags, search));
          // The live path (recordTest) agrees too.
          expect(recordTest(filter, () => facets)(rec)).toBe(searchOracle(rec, r.tags, search));
        },
      ),
      { seed: SEED, numRuns: 3000 },
    );
  });

  it('never matches across two fields', () => {
    const rec = secret({ name: 'pay', description: 'ments' });
    expect(searchTextOf(rec, { tags: [{ key: 'env', value: 'prod' }] })).not.toContain('payments');
    const keep = keeperOf({ namespaces: [[true]], tests: [null], search: 'payments' });
    expect(keep(entryOf(rec, { sourceIndex: 0, namespaceIndex: 0, seq: 0 }, {}))).toBe(false);
  });
});

describe('sameJson (how a sync tells an update from nothing)', () => {
  const json = fc.letrec((tie) => ({
    value: fc.oneof(
      { depthSize: 'small' },
      fc.constantFrom(null, true, false, 0, 1, 'a', ''),
      fc.date({ min: new Date(0), max: new Date(4e12), noInvalidDate: true }),
      fc.array(tie('value'), { maxLength: 3 }),
      fc.dictionary(fc.constantFrom('a', 'b', 'c'), fc.option(tie('value'), { nil: undefined }), { maxKeys: 3 }),
    ),
  })).value;
  /** JSON with keys sorted: what the comparison must agree with. */
  const canonical = (value: unknown): string =>
    JSON.stringify(value, (_k, v: unknown) =>
      v && typeof v === 'object' && !Array.isArray(v)
        ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)))
        : v,
    );
  /** As the fleet's stream gives it back: through JSON, dates revived. */
  const revived = (value: unknown): unknown =>
    JSON.parse(JSON.stringify(value), (_k, v: unknown) =>
      typeof v === 'string' && /^\d{4}-\d\d-\d\dT/.test(v) ? new Date(v) : v,
    );

  it('is JSON equality, key order aside', () => {
    fc.assert(
      fc.property(json, json, (a, b) => {
        expect(sameJson(a, b)).toBe(canonical(a) === canonical(b));
        expect(sameJson(a, revived(a))).toBe(true);
      }),
      { seed: SEED, numRuns: 3000 },
    );
  });
});
