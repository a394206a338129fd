import { providerDemo } from '../../emulators/demo.js';
import { EMULATOR_CREDENTIALS } from '../../emulators/credentials.js';
import { generateKmsSeed } from '../alibaba/emulator-data.js';
import { createKmsEmulator } from './emulator.js';

/** KMS in the demo set (src/emulators/index.ts). */
export const kmsDemo = providerDemo({
  key: 'kms',
  provider: 'alibaba-kms',
  label: 'Alibaba KMS',
  seed: generateKmsSeed,
  emulator: createKmsEmulator,
  faultSeed: 3,
  source: (url, seed, { rateLimit }) => ({
    region: seed.regionId,
    endpoint: url,
    credentials: EMULATOR_CREDENTIALS.alibaba,
    rateLimit,
  }),
  summary: (seed) => `${seed.secrets.length} secrets`,
});
