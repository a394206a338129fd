import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { EmulatorServer } from '../../src/emulators/core.js';
import { CredentialAuthority, createStsEmulator, EMULATED_OIDC_PROVIDER_ARN } from '../../src/emulators/sts.js';
import { post } from '../auth/helpers.js';
import { SOURCE } from '../helpers/expected.js';
import { startStack, type Stack } from '../helpers/stack.js';
import type { ProvidersConfig } from '../../src/providers/index.js';

/**
 * Alibaba sources that hold no key: RRSA (OIDC token file → AssumeRoleWithOIDC), the ECS instance
 * role (IMDSv2) and AssumeRole, each through @alicloud/credentials and pop-core against the local
 * STS / metadata emulator, and provider emulators that accept a temporary key only with its token.
 */

const ROLE = 'acs:ram::1234567890123456:role/secrets-reader';
const RAM_USER = { accessKeyId: 'LTAI5tRAMUSER00000000001', accessKeySecret: 'ram-user-secret-for-assume-role' };
const SERVICE_ACCOUNT = 'system:serviceaccount:platform:secrets-gateway';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const page = (source: string) => `{ secrets(first: 5, filter: { sources: ["${source}"] }) { nodes { name } } }`;

describe('Alibaba credentials from the cloud chains', () => {
  let authority: CredentialAuthority;
  let sts: EmulatorServer;
  let stack: Stack;
  let tokenDir: string;
  let tokenFile: string;

  const chains = (stsUrl: string): Record<string, ProvidersConfig['sources'][number]['credentials']> => ({
    [SOURCE.sae]: {
      type: 'oidc_role_arn',
      roleArn: ROLE,
      oidcProviderArn: EMULATED_OIDC_PROVIDER_ARN,
      oidcTokenFile: tokenFile,
      stsEndpoint: stsUrl,
      roleSessionName: 'secrets-gateway',
      durationSeconds: 3600,
    },
    [SOURCE.apig]: { type: 'ecs_ram_role', metadataEndpoint: stsUrl, disableIMDSv1: true },
    [SOURCE.kms]: {
      type: 'ram_role_arn',
      ...RAM_USER,
      roleArn: ROLE,
      stsEndpoint: stsUrl,
      roleSessionName: 'secrets-gateway',
      durationSeconds: 900,
    },
  });

  beforeAll(async () => {
    // Issued credentials live 15 min + 2 s: the library renews 15 min ahead, so after 2 s.
    authority = new CredentialAuthority({
      users: { [RAM_USER.accessKeyId]: RAM_USER.accessKeySecret },
      roles: {
        [ROLE]: {
          users: [RAM_USER.accessKeyId],
          oidcProviders: [EMULATED_OIDC_PROVIDER_ARN],
          subjects: [SERVICE_ACCOUNT],
        },
      },
      instanceRole: ROLE,
      lifetimeSeconds: 902,
    });
    sts = new EmulatorServer(createStsEmulator(authority));
    const stsUrl = await sts.start();
    tokenDir = mkdtempSync(join(tmpdir(), 'rrsa-'));
    tokenFile = join(tokenDir, 'token');
    // Only the authority's keys open the Alibaba emulators: the demo's static key does not.
    const alibaba = { credentials: authority.credentials, securityTokens: authority };
    stack = await startStack({
      sae: alibaba,
      apig: alibaba,
      kms: alibaba,
      configure: (config) => {
        for (const [id, credentials] of Object.entries(chains(stsUrl)))
          config.sources.find((s) => s.id === id)!.credentials = credentials;
      },
    });
  });
  afterAll(async () => {
    await stack?.close();
    await sts?.stop();
    rmSync(tokenDir, { recursive: true, force: true });
  });
  beforeEach(() => {
    writeFileSync(tokenFile, authority.serviceAccountToken(SERVICE_ACCOUNT));
    stack.resetCounters();
    sts.resetStats();
  });

  it('RRSA, the ECS instance role and AssumeRole each give working temporary credentials; the configuration holds no key for them', async () => {
    for (const source of [SOURCE.sae, SOURCE.apig, SOURCE.kms]) {
      const result = await post(stack.server.url, { query: page(source) }, stack.authHeaders);
      expect(result.body?.errors, source).toBeUndefined();
      expect(result.body?.data?.secrets.nodes).toHaveLength(5);
    }
    expect(sts.calls('AssumeRoleWithOIDC')).toBe(1);
    expect(sts.calls('AssumeRole')).toBe(1);
    expect(sts.calls('MetadataToken')).toBeGreaterThanOrEqual(1);
    expect(sts.calls('MetadataCredentials')).toBe(1);
    const configured = JSON.stringify(stack.config.sources.filter((s) => s.id === SOURCE.sae || s.id === SOURCE.apig));
    expect(configured).not.toMatch(/accessKey|securityToken/);
    // Every provider call was signed with an STS key and its token (the emulators accept nothing else).
    expect([...authority.issued.keys()].every((key) => key.startsWith('STS.'))).toBe(true);
  });

  it('renews temporary credentials before they expire, and the next calls use the new ones', async () => {
    for (const source of [SOURCE.sae, SOURCE.kms])
      expect((await post(stack.server.url, { query: page(source) }, stack.authHeaders)).body?.errors).toBeUndefined();
    const issuedBefore = authority.issued.size;
    await sleep(2500);
    sts.resetStats();
    for (const source of [SOURCE.sae, SOURCE.kms, SOURCE.apig]) {
      const result = await post(
        stack.server.url,
        { query: page(source).replace('first: 5', 'first: 6') },
        stack.authHeaders,
      );
      expect(result.body?.errors, source).toBeUndefined();
    }
    expect(sts.calls('AssumeRoleWithOIDC')).toBe(1);
    expect(sts.calls('AssumeRole')).toBe(1);
    expect(sts.calls('MetadataCredentials')).toBe(1);
    expect(authority.issued.size).toBe(issuedBefore + 3);
  });

  it('a role that does not trust the service account is UPSTREAM_AUTH_FAILED, with no credential in the message or the logs; a failed renewal keeps the valid session', async () => {
    expect((await post(stack.server.url, { query: page(SOURCE.sae) }, stack.authHeaders)).body?.errors).toBeUndefined();
    writeFileSync(tokenFile, authority.serviceAccountToken('system:serviceaccount:other:intruder'));
    await sleep(2500); // past the renewal point: the chain asks STS again, is refused, keeps its unexpired session
    sts.resetStats();
    expect(
      (await post(stack.server.url, { query: page(SOURCE.sae).replace('first: 5', 'first: 4') }, stack.authHeaders))
        .body?.errors,
    ).toBeUndefined();
    expect(sts.calls('AssumeRoleWithOIDC')).toBe(1);
    // A replica starting now has no session to fall back on.
    const { gatewayOn } = await import('../auth/helpers.js');
    const fresh = await gatewayOn(stack, () => undefined);
    try {
      const result = await post(fresh.url, { query: page(SOURCE.sae) }, stack.authHeaders);
      const error = result.body?.errors?.[0];
      expect(error?.extensions).toMatchObject({
        code: 'UPSTREAM_AUTH_FAILED',
        source: SOURCE.sae,
        providerCode: 'CredentialsUnavailable',
      });
      expect(error?.message).toContain('AuthenticationFail.NoPermission');
      const text = JSON.stringify(result.body) + stack.logs.join('') + fresh.logs.join('');
      for (const credential of authority.issued.values()) {
        expect(text).not.toContain(credential.accessKeySecret);
        expect(text).not.toContain(credential.securityToken);
      }
      expect(text).not.toContain(RAM_USER.accessKeySecret);
      expect(text).not.toContain(readToken(tokenFile));
    } finally {
      await fresh.close();
    }
  });

  it('the environment, and the default chain (environment first), give the STS key the platform put there', async () => {
    const issued = authority.issue(ROLE, 3600);
    const names = [
      'ALIBABA_CLOUD_ACCESS_KEY_ID',
      'ALIBABA_CLOUD_ACCESS_KEY_SECRET',
      'ALIBABA_CLOUD_SECURITY_TOKEN',
    ] as const;
    const saved = names.map((name) => process.env[name]);
    const { gatewayOn } = await import('../auth/helpers.js');
    const gateway = await gatewayOn(stack, (config) => {
      config.sources.find((s) => s.id === SOURCE.kms)!.credentials = { type: 'environment' };
      config.sources.find((s) => s.id === SOURCE.apig)!.credentials = { type: 'default' };
    });
    try {
      for (const name of names) delete process.env[name];
      const missing = await post(gateway.url, { query: page(SOURCE.kms) }, stack.authHeaders);
      expect(missing.body?.errors?.[0]?.extensions).toMatchObject({
        code: 'UPSTREAM_AUTH_FAILED',
        providerCode: 'CredentialsUnavailable',
      });
      expect(missing.body?.errors?.[0]?.message).toContain('ALIBABA_CLOUD_ACCESS_KEY_ID');
      Object.assign(process.env, {
        ALIBABA_CLOUD_ACCESS_KEY_ID: issued.accessKeyId,
        ALIBABA_CLOUD_ACCESS_KEY_SECRET: issued.accessKeySecret,
        ALIBABA_CLOUD_SECURITY_TOKEN: issued.securityToken,
      });
      for (const source of [SOURCE.kms, SOURCE.apig]) {
        const result = await post(gateway.url, { query: page(source) }, stack.authHeaders);
        expect(result.body?.errors, source).toBeUndefined();
        expect(result.body?.data?.secrets.nodes).toHaveLength(5);
      }
    } finally {
      names.forEach((name, i) => {
        if (saved[i] === undefined) delete process.env[name];
        else process.env[name] = saved[i];
      });
      await gateway.close();
    }
  });

  it('the emulators refuse a temporary key with a wrong or missing token, as the cloud does', async () => {
    const issued = authority.issue(ROLE, 900);
    const gateway = await import('../auth/helpers.js').then(({ gatewayOn }) =>
      gatewayOn(stack, (config) => {
        config.sources.find((s) => s.id === SOURCE.kms)!.credentials = {
          accessKeyId: issued.accessKeyId,
          accessKeySecret: issued.accessKeySecret,
          securityToken: 'CAISnot-the-right-token',
        };
        config.sources.find((s) => s.id === SOURCE.sae)!.credentials = {
          accessKeyId: issued.accessKeyId,
          accessKeySecret: issued.accessKeySecret,
        };
      }),
    );
    try {
      const kms = await post(gateway.url, { query: page(SOURCE.kms) }, stack.authHeaders);
      expect(kms.body?.errors?.[0]?.extensions).toMatchObject({
        code: 'UPSTREAM_AUTH_FAILED',
        providerCode: 'InvalidSecurityToken.MismatchWithAccessKey',
      });
      const sae = await post(gateway.url, { query: page(SOURCE.sae) }, stack.authHeaders);
      expect(sae.body?.errors?.[0]?.extensions).toMatchObject({
        code: 'UPSTREAM_AUTH_FAILED',
        providerCode: 'MissingSecurityToken',
      });
    } finally {
      await gateway.close();
    }
  });
});

function readToken(file: string): string {
  return readFileSync(file, 'utf8');
}

describe('Huawei CSMS with a temporary AK/SK and security token', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack.close());

  const withKey = async (key: { ak: string; sk: string; securityToken: string }) => {
    const gateway = await import('../auth/helpers.js').then(({ gatewayOn }) =>
      gatewayOn(stack, (config) => {
        config.sources.find((s) => s.id === SOURCE.csms)!.credentials = {
          ak: key.ak,
          sk: key.sk,
          securityToken: key.securityToken,
        };
      }),
    );
    try {
      return {
        result: await post(gateway.url, { query: page(SOURCE.csms) }, stack.authHeaders),
        logs: gateway.logs.join(''),
      };
    } finally {
      await gateway.close();
    }
  };

  it('signs with the temporary key and sends its token in a signed X-Security-Token header', async () => {
    const key = stack.emulators.providers.csms.issueTemporaryKey(3600);
    const { result } = await withKey(key);
    expect(result.body?.errors).toBeUndefined();
    expect(result.body?.data?.secrets.nodes).toHaveLength(5);
  });

  it('a wrong or expired token is UPSTREAM_AUTH_FAILED, and neither key nor token appears anywhere', async () => {
    const key = stack.emulators.providers.csms.issueTemporaryKey(3600);
    const wrong = await withKey({ ...key, securityToken: `${key.securityToken.slice(0, -4)}AAAA` });
    expect(wrong.result.body?.errors?.[0]?.extensions).toMatchObject({
      code: 'UPSTREAM_AUTH_FAILED',
      providerCode: 'APIGW.0301',
    });
    const expired = stack.emulators.providers.csms.issueTemporaryKey(0);
    const late = await withKey(expired);
    expect(late.result.body?.errors?.[0]?.extensions).toMatchObject({
      code: 'UPSTREAM_AUTH_FAILED',
      providerCode: 'APIGW.0301',
    });
    for (const run of [wrong, late]) {
      const text = JSON.stringify(run.result.body) + run.logs;
      for (const value of [key.sk, key.securityToken, expired.sk, expired.securityToken])
        expect(text).not.toContain(value);
    }
  });
});
