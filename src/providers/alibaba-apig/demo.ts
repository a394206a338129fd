import { providerDemo } from '../../emulators/demo.js';
import { alibabaDemoSource } from '../alibaba/demo-source.js';
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
  source: alibabaDemoSource,
  summary: (seed) => `${seed.secrets.length} secrets`,
});
