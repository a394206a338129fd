import { parseArgs } from 'node:util';
import { EMULATOR_CREDENTIALS } from './credentials.js';
import { ANY_DEMOS, startEmulators } from './index.js';

/** `npm run emulators`: the provider emulators alone, for testing a portal or another client against. */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      scale: { type: 'string', default: '1' },
      'base-port': { type: 'string' },
      host: { type: 'string', default: '127.0.0.1' },
      latency: { type: 'string', default: '0' },
    },
  });
  const base = values['base-port'] ? Number(values['base-port']) : 0;
  const emulators = await startEmulators({
    scale: Number(values.scale),
    host: values.host,
    // Consecutive ports from --base-port, in the demo set's order.
    ports: base ? Object.fromEntries(ANY_DEMOS.map((demo, i) => [demo.key, base + i])) : undefined,
  });
  for (const server of Object.values(emulators.servers)) server.setFaults({ latencyMs: Number(values.latency) });
  const { alibaba, huawei } = EMULATOR_CREDENTIALS;
  const lines = ANY_DEMOS.map(
    (demo) => `  ${demo.label.padEnd(14)}${emulators.urls[demo.key]}   ${demo.summary(emulators.data[demo.key])}`,
  );
  const credentials = ANY_DEMOS.flatMap((demo) => (demo.credentials ? [`  ${demo.credentials}`] : []));
  console.log(`Provider emulators (sample data, demo credentials):
${lines.join('\n')}

  Alibaba AccessKeyId ${alibaba.accessKeyId}  AccessKeySecret ${alibaba.accessKeySecret}
  Huawei AK ${huawei.ak}  SK ${huawei.sk}  IAM user ${huawei.domainName}/${huawei.userName} password ${huawei.password}
${credentials.join('\n')}

  Faults and counters: GET <url>/_emulator/stats, POST <url>/_emulator/faults {"latencyMs":20,"throttleRate":0.2}, POST <url>/_emulator/reset`);
  const stop = () => void emulators.stop().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

void main();
