import { describe, expect, it } from 'vitest';
import { MetadataCache } from '../../src/cache/metadata-cache.js';

const policy = { ttlMs: 60_000, staleMs: 0 };
const later = <T>(ms: number, value: T | Error) =>
  new Promise<T>((resolve, reject) => setTimeout(() => (value instanceof Error ? reject(value) : resolve(value)), ms));

describe('metadata cache prefetch', () => {
  it('a miss waits for the prefetch of its key and takes its value: one load', async () => {
    const cache = new MetadataCache();
    let loads = 0;
    const ahead = cache.prefetch('k', policy, () => (loads++, later(20, 'prefetched')));
    const value = await cache.get('k', policy, () => (loads++, later(0, 'own')));
    expect(value).toBe('prefetched');
    expect(await ahead).toBe('prefetched');
    expect(loads).toBe(1);
  });

  it('a failed prefetch is dropped: the miss that waited for it loads on its own, and nothing is cached from it', async () => {
    const cache = new MetadataCache();
    const ahead = cache.prefetch('k', policy, () => later<string>(20, new Error('throttled')));
    const value = await cache.get('k', policy, () => later(0, 'own'));
    expect(await ahead).toBeUndefined();
    expect(value).toBe('own');
    await cache.prefetchesSettled();
    expect(cache.peek('k', policy)).toBe('own');
  });

  it('a cached or loading key costs a prefetch nothing', async () => {
    const cache = new MetadataCache();
    await cache.get('cached', policy, async () => 'v');
    let loads = 0;
    expect(await cache.prefetch('cached', policy, async () => (loads++, 'x'))).toBe('v');
    const own = cache.get('loading', policy, () => later(10, 'w'));
    expect(await cache.prefetch('loading', policy, async () => (loads++, 'x'))).toBe('w');
    await own;
    expect(loads).toBe(0);
  });

  it('does nothing where the source has no cache', async () => {
    const cache = new MetadataCache();
    let loads = 0;
    expect(await cache.prefetch('k', { ttlMs: 0, staleMs: 0 }, async () => (loads++, 'x'))).toBeUndefined();
    expect(loads).toBe(0);
  });
});
