import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SecretOrder, SecretRecord, Tag } from '../../src/domain/records.js';
import {
  countOf,
  type Entry,
  entryOf,
  type Keyset,
  keeperOf,
  pageOf,
  type Selection,
  type SortedSet,
  sortEntries,
} from '../../src/inventory/query.js';
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

function secret(r: { name: string; description: string | null }, seq: number): SecretRecord {
  return {
    provider: 'fake',
    sourceId: 's',
    namespaceId: 'n',
    key: String(seq),
    name: r.name,
    description: r.description,
    type: null,
    createdAt: null,
    updatedAt: null,
  };
}

describe('search over the index (one search text per sorted set)', () => {
  /** Every page of `size` a client gets following cursors, forward or backward. */
  function walk(set: SortedSet, selection: Selection, size: number, forward: boolean): SecretRecord[] {
    const seen: SecretRecord[] = [];
    let key: Keyset | null = null;
    for (let pages = 0; pages < 100; pages++) {
      const page = pageOf(set, selection, {
        forward,
        count: size,
        after: forward ? key : null,
        before: forward ? null : key,
      });
      const records = page.entries.map((entry) => entry.record);
      seen.push(...(forward ? records : records.reverse()));
      if (!(forward ? page.hasNextPage : page.hasPreviousPage)) return forward ? seen : seen.reverse();
      key = page.keysets[forward ? page.keysets.length - 1 : 0];
    }
    throw new Error('the walk did not end');
  }

  it('pages and counts exactly the secrets the field-by-field definition keeps, in order, for any term', () => {
    fc.assert(
      fc.property(
        fc.array(record, { maxLength: 12 }),
        fc.string({ unit: fc.constantFrom('a', 'B', '\u0000', 'i̇', 'İ', 'σ', 'ς', ' '), minLength: 1, maxLength: 4 }),
        fc.integer({ min: 1, max: 4 }),
        fc.constantFrom<SecretOrder[]>([], [{ field: 'NAME', direction: 'DESC' }]),
        (rs, search, size, orders) => {
          const entries = rs.map((r, seq) =>
            entryOf(secret(r, seq), { sourceIndex: 0, namespaceIndex: 0, seq }, () => ({ tags: r.tags })),
          );
          const set = sortEntries(entries, orders);
          const tags = new Map(rs.map((r, seq) => [String(seq), r.tags]));
          const filter = { search };
          // What collect() does: the set's text answers the search unless the term holds the break.
          const term = textSearchOf(filter);
          const test = term === null ? recordTest(filter, (rec) => ({ tags: tags.get(rec.key) })) : null;
          const selection = { keep: keeperOf({ namespaces: [[true]], tests: [test] }), search: term };
          const expected = set.entries
            .map((entry) => entry.record)
            .filter((rec) => searchOracle(rec, tags.get(rec.key)!, search));
          expect(walk(set, selection, size, true)).toEqual(expected);
          expect(walk(set, selection, size, false)).toEqual(expected);
          expect(countOf(set, selection)).toBe(expected.length);
          // The live path (recordTest) agrees with the definition too.
          for (const rec of set.entries.map((entry) => entry.record))
            expect(recordTest(filter, () => ({ tags: tags.get(rec.key) }))(rec)).toBe(
              searchOracle(rec, tags.get(rec.key)!, search),
            );
        },
      ),
      { seed: SEED, numRuns: 2000 },
    );
  });

  it('never matches across two fields or two secrets', () => {
    const first = secret({ name: 'pay', description: 'ments' }, 0);
    const second = secret({ name: 'ments', description: null }, 1);
    expect(searchTextOf(first, { tags: [{ key: 'env', value: 'prod' }] })).not.toContain('payments');
    const set = sortEntries(
      [first, second].map((rec, seq) => entryOf(rec, { sourceIndex: 0, namespaceIndex: 0, seq }, () => ({}))),
      [],
    );
    const selection = { keep: () => true, search: 'paymen' };
    expect(countOf(set, selection)).toBe(0);
    expect(countOf(set, { ...selection, search: 'ments' })).toBe(2);
  });
});

describe('the global order (sortEntries)', () => {
  const instant = fc.option(
    fc.integer({ min: 0, max: 5 }).map((n) => new Date(Date.UTC(2026, 0, 1) + n * 1000)),
    {
      nil: null,
    },
  );
  const orderArb = fc
    .uniqueArray(fc.constantFrom('NAME', 'CREATED_AT', 'UPDATED_AT', 'PROVIDER', 'SOURCE'), { maxLength: 3 })
    .chain((fields) =>
      fc.tuple(
        ...fields.map((field) => fc.record({ field: fc.constant(field), direction: fc.constantFrom('ASC', 'DESC') })),
      ),
    ) as fc.Arbitrary<SecretOrder[]>;

  it('sorts as the SDL says: each key in its direction, missing times last, ties by source, namespace, then seq', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            name: fc.constantFrom('a', 'A', 'b', 'B', 'ab', 'é'),
            provider: fc.constantFrom('alibaba-kms', 'aws-secrets-manager'),
            sourceId: fc.constantFrom('s1', 's2', 'S1'),
            createdAt: instant,
            updatedAt: instant,
            place: fc.record({ sourceIndex: fc.nat(2), namespaceIndex: fc.nat(2), seq: fc.nat(5) }),
          }),
          { maxLength: 40 },
        ),
        orderArb,
        (rows, orders) => {
          const entries = rows.map((row, i) =>
            entryOf(
              { ...secret({ name: row.name, description: null }, i), ...row, key: String(i) },
              row.place,
              () => ({}),
            ),
          );
          const value = (entry: Entry, field: SecretOrder['field']): string | number | null => {
            const r = entry.record;
            if (field === 'NAME') return r.name.toLowerCase();
            if (field === 'PROVIDER') return r.provider;
            if (field === 'SOURCE') return r.sourceId;
            const at = field === 'CREATED_AT' ? r.createdAt : r.updatedAt;
            return at ? at.getTime() : null;
          };
          const oracle = [...entries].sort((a, b) => {
            for (const order of orders) {
              const [x, y] = [value(a, order.field), value(b, order.field)];
              if (x === y) continue;
              if (x === null || y === null) return x === null ? 1 : -1;
              return (x < y ? -1 : 1) * (order.direction === 'DESC' ? -1 : 1);
            }
            return a.sourceIndex - b.sourceIndex || a.namespaceIndex - b.namespaceIndex || a.seq - b.seq;
          });
          const sorted = sortEntries(entries, orders).entries;
          // Equal places (the generator allows them) leave no order to check between those entries.
          const place = (e: Entry) => `${e.sourceIndex}/${e.namespaceIndex}/${e.seq}`;
          expect(sorted.map((e) => orders.map((o) => value(e, o.field)).concat(place(e)))).toEqual(
            oracle.map((e) => orders.map((o) => value(e, o.field)).concat(place(e))),
          );
          expect(new Set(sorted)).toEqual(new Set(entries));
        },
      ),
      { seed: SEED, numRuns: 3000 },
    );
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
