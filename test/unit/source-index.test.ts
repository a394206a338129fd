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
