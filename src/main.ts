import { setFlagsFromString } from 'node:v8';

/**
 * Process entry point. A served gateway runs graphql in production mode (its development checks cost
 * several percent of every request); the environment is set before anything imports graphql.
 */
process.env.NODE_ENV ??= 'production';

// The gateway's live heap is small (~35 MB idle) but it allocates fast under load, and V8's default
// heap growth let the old space grow to several times the live data before collecting (peak RSS
// ~300 MB in `npm run bench` scenario 6). Growing the heap by at most half of what survived a
// collection keeps the peak near 170 MB at no measured cost in throughput. Soft: never an OOM.
// SECRETS_GATEWAY_HEAP_GROWTH=0 restores V8's own policy.
const heapGrowth = Number(process.env.SECRETS_GATEWAY_HEAP_GROWTH ?? 50);
if (Number.isInteger(heapGrowth) && heapGrowth > 0) setFlagsFromString(`--heap-growing-percent=${heapGrowth}`);

await import('./gateway-main.js');
