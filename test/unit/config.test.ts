import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfigFile, parseConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { createGateway } from '../../src/server/app.js';
import { listen } from '../../src/server/listen.js';
import { configProblems } from '../helpers/config.js';
import { PROVIDER_CATALOG } from '../../src/providers/index.js';

const dir = mkdtempSync(join(tmpdir(), 'secrets-gateway-config-'));
const file = (name: string, text: string): string => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

const AUTH = { apiKeys: [{ id: 'portal', sha256: 'a'.repeat(64), scopes: ['secrets:read'] }] };

describe('configuration problems, as the operator reads them', () => {
  it('invalid YAML: the parser message with its excerpt of the line and a caret under the problem', () => {
    const path = file(
      'flow-map.yaml',
      'sources:\n  - id: sae-prod\n    credentials: { accessKeyId: ${ALIBABA_AK}, accessKeySecret: x }\n',
    );
    const [problem] = configProblems(() => loadConfigFile(path, PROVIDER_CATALOG, {}));
    expect(problem).toContain(`${path} is not valid YAML: `);
    expect(problem).toContain('credentials: { accessKeyId: ${ALIBABA_AK}');
    expect(problem).toMatch(/\n\s*\^/);
  });

  it('each unset variable once, naming every place that uses it, and no second complaint about the empty value', () => {
    const alibaba = { accessKeyId: '${ALIBABA_AK}', accessKeySecret: '${ALIBABA_SK}' };
    const problems = configProblems(() =>
      parseConfig(
        {
          sources: [
            { id: 'sae-prod', provider: 'alibaba-sae', region: 'cn-hangzhou', credentials: alibaba },
            { id: 'kms-prod', provider: 'alibaba-kms', region: 'cn-hangzhou', credentials: alibaba },
            {
              id: 'csms',
              provider: 'huawei-csms',
              region: 'cn-north-4',
              projectId: 'p1',
              credentials: { ak: '${HUAWEI_AK}', sk: 'sk' },
            },
          ],
          auth: AUTH,
        },
        PROVIDER_CATALOG,
        { ALIBABA_SK: 'sk' },
      ),
    );
    expect(problems).toEqual([
      'sources[0].credentials.accessKeyId, sources[1].credentials.accessKeyId: environment variable ALIBABA_AK is not set',
      'sources[2].credentials.ak: environment variable HUAWEI_AK is not set',
    ]);
  });

  it('schema problems use the same path style', () => {
    const problems = configProblems(() =>
      parseConfig(
        {
          sources: [
            {
              id: 'kms',
              provider: 'alibaba-kms',
              region: 'CN HZ',
              credentials: { accessKeyId: 'a', accessKeySecret: 'b' },
            },
          ],
          auth: AUTH,
        },
        PROVIDER_CATALOG,
        {},
      ),
    );
    expect(problems).toEqual(['sources[0].region: a region id such as cn-hangzhou']);
  });
});

describe('a port already in use', () => {
  const blocker = createServer();
  afterAll(() => new Promise<void>((resolve) => blocker.close(() => resolve())));

  it('says so and suggests PORT', async () => {
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    const config = parseConfig(
      {
        sources: [
          {
            id: 'kms',
            provider: 'alibaba-kms',
            region: 'cn-hangzhou',
            credentials: { accessKeyId: 'a', accessKeySecret: 'b' },
          },
        ],
        auth: AUTH,
      },
      PROVIDER_CATALOG,
      {},
    );
    const gateway = createGateway(PROVIDER_CATALOG, config, createLogger({ level: 'silent' }));
    await expect(listen(gateway, '127.0.0.1', port)).rejects.toThrow(
      `port ${port} on 127.0.0.1 is already in use (another gateway?). Choose another one: PORT=${port + 1} npm start`,
    );
  });
});
