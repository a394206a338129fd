import { providerDemo } from '../../emulators/demo.js';
import { EMULATOR_CREDENTIALS } from '../../emulators/credentials.js';
import { generateApigSeed } from '../alibaba/emulator-data.js';
import { createApigEmulator } from './emulator.js';

/** APIG in the demo set (src/emulators/index.ts). */
export const apigDemo = providerDemo({
  key: 'apig',
  provider: 'alibaba-apig',
  label: 'Alibaba APIG',
  seed: generateApigSeed,
  emulator: createApigEmulator,
  faultSeed: 2,
  source: (url, seed, { rateLimit }) => ({
    region: seed.regionId,
    endpoint: url,
    credentials: EMULATOR_CREDENTIALS.alibaba,
    rateLimit,
  }),
  summary: (seed) => `${seed.secrets.length} secrets`,
});
