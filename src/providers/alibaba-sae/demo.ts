import { providerDemo } from '../../emulators/demo.js';
import { alibabaDemoSource } from '../alibaba/demo-source.js';
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
  source: alibabaDemoSource,
  summary: (seed) => `region ${seed.regionId}, ${seed.secrets.length} secrets in ${seed.namespaces.length} namespaces`,
});
