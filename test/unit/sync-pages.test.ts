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

  it('joins a live read’s call rather than calling again; a refused or failed one is called again; none offered after the read ends', async () => {
    const pages = new SyncPages();
    let calls = 0;
    const call = async () => {
      calls++;
      return 'sync rows';
    };
    let resolveLive!: (value: string) => void;
    pages.offer('page:1', new Promise<string>((r) => (resolveLive = r)));
    const joined = pages.read('page:1', call);
    resolveLive('live rows');
    expect(await joined).toBe('live rows');
    expect(calls).toBe(0);

    // A read-ahead refused for want of budget answers undefined: no page, the sync calls.
    pages.offer('page:2', Promise.resolve(undefined));
    expect(await pages.read('page:2', call)).toBe('sync rows');
    pages.offer('page:3', Promise.reject(new Error('throttled')));
    expect(await pages.read('page:3', call)).toBe('sync rows');
    expect(calls).toBe(2);
    // The sync's own page is not replaced by a later offer.
    pages.offer('page:3', Promise.resolve('late live rows'));
    expect(await pages.take('page:3', 60_000)).toBe('sync rows');

    pages.end();
    pages.offer('page:4', Promise.resolve('after the end'));
    expect(pages.take('page:4', 60_000)).toBeUndefined();
    expect(await pages.take('page:1', 60_000)).toBe('live rows');
  });

  it('a key the sync reads again is called again (a scan whose pages disagreed), not answered with its first page', async () => {
    const pages = new SyncPages();
    let calls = 0;
    const call = async () => `rows ${++calls}`;
    expect(await pages.read('page:1', call)).toBe('rows 1');
    expect(await pages.read('page:1', call)).toBe('rows 2');
    // Likewise after joining a live read's call.
    pages.offer('page:2', Promise.resolve('live rows'));
    expect(await pages.read('page:2', call)).toBe('live rows');
    expect(await pages.read('page:2', call)).toBe('rows 3');
  });
});
