import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * What `npm start` runs: the esbuild build in dist/, as plain node, on the embedded demo. The rest of
 * the suite runs the TypeScript sources in process; this checks the build and the entry point.
 */
describe('npm start: the built entry point on the embedded demo', () => {
  let child: ChildProcess;
  let output = '';
  let url = '';
  let token = '';

  beforeAll(async () => {
    execFileSync('npm', ['run', 'build', '--silent'], { stdio: 'pipe' });
    const env: NodeJS.ProcessEnv = { ...process.env, PORT: '0', LOG_LEVEL: 'warn' };
    delete env.NODE_ENV; // the entry point sets production itself
    child = spawn(process.execPath, ['dist/main.js'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`not ready:\n${output}`)), 30_000);
      child.stdout!.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const address = /GraphiQL and GraphQL: (http:\/\/\S+)\/graphql/.exec(output);
        const bearer = /Authorization: Bearer (\S+)/.exec(output);
        if (address && bearer) {
          [url, token] = [address[1], bearer[1]];
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('exit', (code) => reject(new Error(`exited with ${code}:\n${output}`)));
    });
  });
  afterAll(() => {
    child?.kill('SIGTERM');
  });

  it('serves a page of secrets with the printed demo token, and the GraphiQL page', async () => {
    const response = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({
        query: '{ secrets(first: 3) { edges { cursor node { name updatedAt } } pageInfo { endCursor } } }',
      }),
    });
    const body = (await response.json()) as {
      data?: { secrets: { edges: Array<{ cursor: string }>; pageInfo: { endCursor: string } } };
      errors?: unknown;
    };
    expect(body.errors).toBeUndefined();
    expect(body.data!.secrets.edges).toHaveLength(3);
    expect(body.data!.secrets.pageInfo.endCursor).toBe(body.data!.secrets.edges[2].cursor);
    const page = await fetch(`${url}/graphql`, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('secrets-gateway');
  });

  it('stops cleanly on SIGTERM', async () => {
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
