import { describe, expect, it } from 'vitest';
import { SyncPages } from '../../src/inventory/sync-pages.js';

describe('SyncPages', () => {
  it('offers a page in flight, then while younger than the age asked, and never a failed one', async () => {
    const pages = new SyncPages();
    let resolve!: (value: string) => void;
    const read = pages.read('page:1', () => new Promise<string>((r) => (resolve = r)));
    const joined = pages.take<string>('page:1', 0);
    expect(joined).toBeDefined();
    resolve('rows');
    expect(await read).toBe('rows');
    expect(await joined).toBe('rows');
    const readAt = Date.now();
    expect(await pages.take('page:1', 1000, readAt + 900)).toBe('rows');
    expect(pages.take('page:1', 1000, readAt + 1500)).toBeUndefined();
    expect(pages.take('page:2', 1000)).toBeUndefined();

    const failed = pages.read('page:3', () => Promise.reject(new Error('throttled')));
    await expect(failed).rejects.toThrow('throttled');
    expect(pages.take('page:3', 60_000)).toBeUndefined();
  });
});
