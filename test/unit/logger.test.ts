import { Writable } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';
import { createLogger, lazyChild } from '../../src/logger.js';

function collected() {
  const lines: Array<Record<string, unknown>> = [];
  const logger = createLogger({
    level: 'info',
    destination: new Writable({ write: (chunk, _enc, done) => (lines.push(JSON.parse(String(chunk))), done()) }),
  });
  return { logger, lines };
}

describe('lazyChild: a request logger made on first use', () => {
  it('makes no pino child until something is logged, then one, whose lines carry the bindings', () => {
    const { logger, lines } = collected();
    const child = vi.spyOn(logger, 'child');
    const lazy = lazyChild(logger, { requestId: 'req-1' });
    expect(child).not.toHaveBeenCalled();
    lazy.info({ source: 'demo' }, 'first');
    lazy.warn('second');
    expect(child).toHaveBeenCalledTimes(1);
    expect(lines.map((l) => [l.requestId, l.msg, l.source])).toEqual([
      ['req-1', 'first', 'demo'],
      ['req-1', 'second', undefined],
    ]);
  });

  it('behaves as the child in everything a caller reads or sets: level, its own children, redaction', () => {
    const { logger, lines } = collected();
    const lazy = lazyChild(logger, { requestId: 'req-2' });
    expect(lazy.level).toBe('info');
    expect(lazy.isLevelEnabled('debug')).toBe(false);
    lazy.level = 'debug';
    expect(lazy.isLevelEnabled('debug')).toBe(true);
    expect(logger.isLevelEnabled('debug')).toBe(false);
    lazy.child({ component: 'audit' }).debug({ config: { accessKeySecret: 'hunter2' } }, 'nested');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ requestId: 'req-2', component: 'audit', msg: 'nested' });
    expect(JSON.stringify(lines[0])).not.toContain('hunter2');
  });
});
