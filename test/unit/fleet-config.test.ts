import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { windowOf } from '../../src/redis/rate-limiter.js';
import { configProblems } from '../helpers/config.js';
import { PROVIDER_CATALOG } from '../../src/providers/index.js';

const base = {
  sources: [{ id: 'kms-prod', provider: 'alibaba-kms', region: 'cn-shanghai', credentials: { type: 'default' } }],
  auth: { jwt: { issuer: 'i', audience: 'a', hs256Secret: 'x'.repeat(40) } },
};

const problems = (raw: unknown): string[] => configProblems(() => parseConfig(raw, PROVIDER_CATALOG, {}));

const withCredentials = (credentials: unknown) => ({ ...base, sources: [{ ...base.sources[0], credentials }] });

describe('configuration of the fleet: redis and credential chains', () => {
  it('redis is optional; when given, its URL is checked and the defaults are filled in', () => {
    expect(parseConfig(base, PROVIDER_CATALOG, {}).redis).toBeUndefined();
    expect(
      parseConfig({ ...base, redis: { url: 'redis://redis.platform.svc:6379/0' } }, PROVIDER_CATALOG, {}).redis,
    ).toEqual({
      url: 'redis://redis.platform.svc:6379/0',
      keyPrefix: 'secrets-gateway:',
      commandTimeoutMs: 250,
    });
    expect(problems({ ...base, redis: { url: 'http://redis:6379' } })).toEqual([
      'redis.url: a redis:// or rediss:// URL',
    ]);
    expect(problems({ ...base, redis: { url: 'redis://r', keyPrefix: 'has space' } })).toEqual([
      expect.stringMatching(/^redis.keyPrefix:/),
    ]);
    expect(problems({ ...base, redis: { url: 'redis://r', cluster: true } })).toEqual([
      expect.stringMatching(/^redis: .*cluster/i),
    ]);
  });

  it('each Alibaba source chooses its chain; what a chain needs is checked at start', () => {
    const rrsa = parseConfig(withCredentials({ type: 'oidc_role_arn' }), PROVIDER_CATALOG, {}).sources[0].credentials;
    expect(rrsa).toEqual({ type: 'oidc_role_arn', roleSessionName: 'secrets-gateway', durationSeconds: 3600 });
    expect(parseConfig(withCredentials({ type: 'ecs_ram_role' }), PROVIDER_CATALOG, {}).sources[0].credentials).toEqual(
      {
        type: 'ecs_ram_role',
        disableIMDSv1: true,
      },
    );
    expect(problems(withCredentials({ type: 'oidc_role_arn', durationSeconds: 300 }))).not.toEqual([]);
    expect(problems(withCredentials({ type: 'ram_role_arn', accessKeyId: 'a', accessKeySecret: 'b' }))).not.toEqual([]);
    expect(
      problems(withCredentials({ type: 'ecs_ram_role', metadataEndpoint: 'http://100.100.100.200/latest' })),
    ).not.toEqual([]);
    expect(problems(withCredentials({ type: 'vault' }))).not.toEqual([]);
    // Static keys stay as they were; a typo next to them is an error, not silently ignored.
    expect(problems(withCredentials({ accessKeyId: 'a', accessKeySecret: 'b' }))).toEqual([]);
    expect(problems(withCredentials({ accessKeyId: 'a', accessKeySecret: 'b', securityTokn: 'c' }))).not.toEqual([]);
  });

  it('a problem in the credentials never echoes the credential', () => {
    const found = problems(
      withCredentials({
        type: 'ram_role_arn',
        accessKeyId: 'LTAI5tSECRETID',
        accessKeySecret: 'very-secret-value',
        roleArn: 'not-an-arn',
      }),
    ).join('\n');
    expect(found).not.toContain('very-secret-value');
    expect(found).not.toContain('LTAI5tSECRETID');
  });

  it('a shared rate limit keeps the configured average, with the burst at the start of each window', () => {
    expect(windowOf({ perSecond: 1, burst: 20 })).toEqual({ points: 20, duration: 20 });
    expect(windowOf({ perSecond: 50, burst: 100 })).toEqual({ points: 100, duration: 2 });
    expect(windowOf({ perSecond: 1000, burst: 1000 })).toEqual({ points: 1000, duration: 1 });
    expect(windowOf({ perSecond: 0.5, burst: 3 })).toEqual({ points: 3, duration: 6 });
  });
});
