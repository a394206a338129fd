import { providerDemo } from '../../emulators/demo.js';
import { EMULATOR_CREDENTIALS } from '../../emulators/credentials.js';
import { generateSaeSeed } from '../alibaba/emulator-data.js';
import { createSaeEmulator } from './emulator.js';

/** SAE in the demo set (src/emulators/index.ts). */
export const saeDemo = providerDemo({
  key: 'sae',
  provider: 'alibaba-sae',
  label: 'Alibaba SAE',
  seed: generateSaeSeed,
  emulator: createSaeEmulator,
  faultSeed: 1,
  source: (url, seed, { rateLimit }) => ({
    region: seed.regionId,
    endpoint: url,
    credentials: EMULATOR_CREDENTIALS.alibaba,
    rateLimit,
  }),
  summary: (seed) => `region ${seed.regionId}, ${seed.secrets.length} secrets in ${seed.namespaces.length} namespaces`,
});
