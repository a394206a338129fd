import { describe, expect, it } from 'vitest';
import { assertSuccessBody, classify, POP_GATEWAY_CODES, readProviderError } from '../../src/upstream/errors.js';
import { redact, registerSecret } from '../../src/upstream/redact.js';
import { millisecondsHeader, retryAfterHeaderMs } from '../../src/upstream/retry-after.js';

describe('classify', () => {
  it('goes by provider code, not HTTP status', () => {
    const sae = readProviderError({
      name: 'Throttling.UserError',
      code: 'Throttling.User',
      statusCode: 400,
      result: { Code: 'Throttling.User', Message: 'Request was denied due to user flow control.', RequestId: 'r1' },
    });
    expect(classify(sae, POP_GATEWAY_CODES)).toBe('UPSTREAM_THROTTLED');
    expect(sae).toMatchObject({ providerCode: 'Throttling.User', requestId: 'r1', httpStatus: 400 });
    const kms = readProviderError({
      code: 'Rejected.Throttling',
      data: { HttpStatus: 429, Code: 'Rejected.Throttling', Message: 'QPS Limit Exceeded', RequestId: 'r2' },
      entry: { response: { statusCode: 429 } },
    });
    expect(classify(kms, POP_GATEWAY_CODES)).toBe('UPSTREAM_THROTTLED');
  });
  it('reads lowerCamel bodies that pop-core ROA ignores', () => {
    const apig = readProviderError({
      code: '',
      statusCode: 404,
      result: { requestId: 'r3', code: 'NotFound.Secret', message: 'gone' },
    });
    expect(apig).toMatchObject({ providerCode: 'NotFound.Secret', message: 'gone', requestId: 'r3' });
    expect(classify(apig, POP_GATEWAY_CODES)).toBe('UPSTREAM_NOT_FOUND');
  });
  it('maps transport failures', () => {
    expect(
      classify(readProviderError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })), {}),
    ).toBe('UPSTREAM_UNAVAILABLE');
    expect(classify(readProviderError(new SyntaxError('Unexpected token <')), {})).toBe('UPSTREAM_BAD_RESPONSE');
  });
});

describe('Retry-After', () => {
  const now = Date.parse('2026-12-01T10:00:00Z');
  it('reads delay-seconds and HTTP-dates, within a minute', () => {
    expect(retryAfterHeaderMs('2', now)).toBe(2000);
    expect(retryAfterHeaderMs('0.25', now)).toBe(250);
    expect(retryAfterHeaderMs(' 3 ', now)).toBe(3000);
    expect(retryAfterHeaderMs(['4'], now)).toBe(4000);
    expect(retryAfterHeaderMs('Tue, 01 Dec 2026 10:00:07 GMT', now)).toBe(7000);
    expect(retryAfterHeaderMs('Tue, 01 Dec 2026 09:59:00 GMT', now)).toBe(0);
    expect(retryAfterHeaderMs('3600', now)).toBe(60_000);
  });
  it('anything else is no hint', () => {
    for (const value of [undefined, null, '', 'soon', '-1', '1e3', '12abc', {}])
      expect(retryAfterHeaderMs(value, now)).toBeNull();
    expect(millisecondsHeader('1500')).toBe(1500);
    expect(millisecondsHeader('1.5')).toBeNull();
    expect(millisecondsHeader(undefined)).toBeNull();
  });
  it("the generic reader finds it on pop-core's RPC errors", () => {
    const kms = readProviderError({
      code: 'Rejected.Throttling',
      data: { Code: 'Rejected.Throttling', Message: 'QPS Limit Exceeded' },
      entry: { response: { statusCode: 429, headers: { 'retry-after': '2' } } },
    });
    expect(kms.retryAfterMs).toBe(2000);
  });
});

describe('assertSuccessBody', () => {
  it('accepts every spelling of success', () => {
    for (const body of [
      { Code: '200', Success: true },
      { code: 200 },
      { code: 'Ok' },
      { Code: 'OK' },
      { RequestId: 'x' },
    ])
      expect(() => assertSuccessBody(body)).not.toThrow();
  });
  it('rejects failures hidden in 2xx bodies', () => {
    for (const body of [{ Success: false, Code: '200' }, { code: 'Forbidden' }, null])
      expect(() => assertSuccessBody(body)).toThrow();
  });
});

describe('redact', () => {
  it('removes signed URLs, key ids, signatures, tokens and registered secrets', () => {
    registerSecret('super-secret-value-123');
    const text = redact(
      'failed, URL: https://kms.example/?AccessKeyId=LTAI123&Signature=abc%3D and acs LTAI123:c2ln== x-auth-token: tok123 super-secret-value-123',
    );
    for (const leaked of ['LTAI123', 'abc%3D', 'c2ln==', 'tok123', 'super-secret-value-123'])
      expect(text).not.toContain(leaked);
  });
});
