import { providerDemo } from '../../emulators/demo.js';
import { alibabaDemoSource } from '../alibaba/demo-source.js';
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
  source: alibabaDemoSource,
  summary: (seed) => `${seed.secrets.length} secrets`,
});
