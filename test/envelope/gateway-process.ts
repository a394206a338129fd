import { sha256Hex } from '../../src/auth/api-keys.js';
import { allUpstreamCalls } from '../auth/helpers.js';
import { startStack } from '../helpers/stack.js';

/**
 * The emulators and the gateway in a process of their own, so that the fuzz suite measures the
 * gateway's memory and not its own. Driven over IPC: `probe` answers the upstream calls counted
 * at the emulators and the RSS; `logs` the lines written since a given one; `stop` ends it.
 */

type Message = { type: 'probe'; id: number } | { type: 'logs'; id: number; from: number } | { type: 'stop' };

const apiKey = process.env.FUZZ_API_KEY ?? '';
const stack = await startStack({
  configure: (config) => {
    config.auth.apiKeys = [{ id: 'fuzz', sha256: sha256Hex(apiKey), scopes: ['secrets:read'] }];
  },
});
process.on('message', async (message: Message) => {
  if (message.type === 'probe')
    process.send!({ id: message.id, calls: allUpstreamCalls(stack), rss: process.memoryUsage().rss });
  if (message.type === 'logs')
    process.send!({ id: message.id, lines: stack.logs.slice(message.from), total: stack.logs.length });
  if (message.type === 'stop') {
    await stack.close();
    process.exit(0);
  }
});
process.send!({
  type: 'ready',
  url: stack.server.url,
  authorization: stack.authHeaders.authorization,
  logLines: stack.logs.length,
});
