import { describe, expect, it } from 'vitest';
import { soleNamespace, type SecretRecord } from '../../src/domain/records.js';
import { SourceIndex } from '../../src/inventory/source-index.js';

const record = (name: string, updated: string): SecretRecord =>
  ({
    provider: 'alibaba-kms',
    sourceId: 'kms',
    namespaceId: 'cn-hangzhou',
    key: name,
    name,
    type: 'Generic',
    createdAt: new Date('2026-01-01T00:00:00Z'),
    updatedAt: new Date(updated),
  }) as SecretRecord;

describe('SourceIndex version (what sorted orders are keyed by)', () => {
  const namespaces = () => soleNamespace('kms', 'alibaba-kms', 'REGION', 'cn-hangzhou', 'cn-hangzhou');
  const lists = (...records: SecretRecord[]) => new Map([['cn-hangzhou', records]]);

  it('stays when a sync finds nothing new, and moves when it finds a change or other namespaces', () => {
    const index = new SourceIndex('kms');
    index.baseline(namespaces(), lists(record('a', '2026-02-01T00:00:00Z')));
    const baselined = index.version;

    const same = index.diff(namespaces(), lists(record('a', '2026-02-01T00:00:00Z')), new Date());
    expect(same).toEqual([]);
    index.apply(same, namespaces());
    expect(index.version).toBe(baselined);

    const updated = index.diff(namespaces(), lists(record('a', '2026-03-01T00:00:00Z')), new Date());
    index.apply(updated, namespaces());
    expect(index.version).toBe(baselined + 1);

    index.apply([], [...namespaces(), { ...namespaces()[0], id: 'cn-shanghai', name: 'cn-shanghai' }]);
    expect(index.version).toBe(baselined + 2);
  });
});

describe('SourceIndex diff in slices (a sync leaves the event loop to requests)', () => {
  const namespaces = () => soleNamespace('kms', 'alibaba-kms', 'REGION', 'cn-hangzhou', 'cn-hangzhou');
  const many = (n: number, updated: string) => Array.from({ length: n }, (_, i) => record(`secret-${i}`, updated));

  it('finds what the whole diff finds, and lets other work run while it compares', async () => {
    const index = new SourceIndex('kms');
    index.baseline(namespaces(), new Map([['cn-hangzhou', many(5000, '2026-02-01T00:00:00Z')]]));
    const next = many(5000, '2026-02-01T00:00:00Z');
    next[10] = record('secret-10', '2026-03-01T00:00:00Z');
    next.splice(4000, 1);
    next.push(record('secret-new', '2026-03-01T00:00:00Z'));
    const lists = new Map([['cn-hangzhou', next]]);
    const at = new Date();
    let ran = false;
    setImmediate(() => {
      ran = true;
    });
    const sliced = await index.diffInSlices(namespaces(), lists, at);
    expect(ran).toBe(true);
    expect(sliced).toEqual(index.diff(namespaces(), lists, at));
    expect(sliced.map((c) => `${c.kind} ${c.key}`).sort()).toEqual([
      'CREATED secret-new',
      'DELETED secret-4000',
      'UPDATED secret-10',
    ]);
  });
});

describe('SourceIndex changes found on a page (changesIn) and the sync’s diff after them', () => {
  const namespaces = () => soleNamespace('kms', 'alibaba-kms', 'REGION', 'cn-hangzhou', 'cn-hangzhou');
  const lists = (...records: SecretRecord[]) => new Map([['cn-hangzhou', records]]);

  it('a page tells creations and updates, never deletions; the diff then skips what matched and still finds deletions', () => {
    const index = new SourceIndex('kms');
    index.baseline(
      namespaces(),
      lists(
        record('a', '2026-02-01T00:00:00Z'),
        record('b', '2026-02-01T00:00:00Z'),
        record('gone', '2026-02-01T00:00:00Z'),
      ),
    );
    const page = [
      record('a', '2026-02-01T00:00:00Z'),
      record('b', '2026-03-01T00:00:00Z'),
      record('new', '2026-03-01T00:00:00Z'),
    ];
    const matched = new WeakSet<SecretRecord>();
    const found = index.changesIn('cn-hangzhou', page, new Date(), matched);
    expect(found.map((c) => `${c.kind} ${c.key}`)).toEqual(['UPDATED b', 'CREATED new']);
    expect(matched.has(page[0])).toBe(true);
    expect(matched.has(page[1])).toBe(false);
    index.apply(found);
    // The whole list: what the page found is in the index, so only the deletion is left.
    const rest = index.diff(namespaces(), lists(...page), new Date(), matched);
    expect(rest.map((c) => `${c.kind} ${c.key}`)).toEqual(['DELETED gone']);
    expect(index.diff(namespaces(), lists(...page), new Date()).map((c) => `${c.kind} ${c.key}`)).toEqual([
      'DELETED gone',
    ]);
  });
});
