import { createHash, randomBytes } from 'node:crypto';

/**
 * Credentials for the benchmark. The generated gateway config holds the SHA-256 of a random API
 * key (`authConfig()`), and every request carries the key (`authHeaders()`). To bench a gateway
 * configured otherwise (a JWT issuer, say), set one of:
 *
 *   BENCH_AUTH_HEADER="Authorization: Bearer <token>"   any one header, sent as given
 *   BENCH_TOKEN=<jwt>                                   sent as "Authorization: Bearer <jwt>"
 *   BENCH_API_KEY=<key>                                 this key instead of a random one
 *
 * and put the matching `auth` section into the config with `--config-extra '{"auth":{...}}'`.
 */
const apiKey = process.env.BENCH_API_KEY ?? randomBytes(24).toString('base64url');

/** The `auth` section of the generated configuration. */
export function authConfig(): { apiKeys: Array<{ id: string; sha256: string; scopes: string[] }> } {
  return {
    apiKeys: [
      // Reveal for scenario 2's AWS values (each reveal is an audit line in the gateway's log).
      {
        id: 'bench',
        sha256: createHash('sha256').update(apiKey, 'utf8').digest('hex'),
        scopes: ['secrets:read', 'secrets:reveal'],
      },
    ],
  };
}

/** The headers every benchmark request to the gateway carries. */
export function authHeaders(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const raw = env.BENCH_AUTH_HEADER;
  if (raw) {
    const colon = raw.indexOf(':');
    if (colon <= 0) throw new Error('BENCH_AUTH_HEADER must look like "Name: value"');
    return { [raw.slice(0, colon).trim().toLowerCase()]: raw.slice(colon + 1).trim() };
  }
  if (env.BENCH_TOKEN) return { authorization: `Bearer ${env.BENCH_TOKEN}` };
  return { 'x-api-key': apiKey };
}
