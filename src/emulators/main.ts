import { parseArgs } from 'node:util';
import { AWS_EMULATOR_CREDENTIALS } from '../providers/aws-secrets-manager/credentials.js';
import { EMULATOR_CREDENTIALS } from './credentials.js';
import { startEmulators } from './index.js';

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
    ports: base ? { sae: base, apig: base + 1, kms: base + 2, csms: base + 3, aws: base + 4 } : undefined,
  });
  for (const server of Object.values(emulators.servers)) server.setFaults({ latencyMs: Number(values.latency) });
  const { alibaba, huawei } = EMULATOR_CREDENTIALS;
  console.log(`Provider emulators (sample data, demo credentials):
  Alibaba SAE   ${emulators.urls.sae}   region ${emulators.data.sae.regionId}, ${emulators.data.sae.secrets.length} secrets in ${emulators.data.sae.namespaces.length} namespaces
  Alibaba APIG  ${emulators.urls.apig}   ${emulators.data.apig.secrets.length} secrets
  Alibaba KMS   ${emulators.urls.kms}   ${emulators.data.kms.secrets.length} secrets
  Huawei CSMS   ${emulators.urls.csms}   project ${emulators.data.csms.projectId}, ${emulators.data.csms.secrets.length} secrets (IAM /v3/auth/tokens on the same port)
  AWS SM        ${emulators.urls.aws}   region ${emulators.data.aws.region}, ${emulators.data.aws.secrets.length} secrets

  Alibaba AccessKeyId ${alibaba.accessKeyId}  AccessKeySecret ${alibaba.accessKeySecret}
  Huawei AK ${huawei.ak}  SK ${huawei.sk}  IAM user ${huawei.domainName}/${huawei.userName} password ${huawei.password}
  AWS access key ${AWS_EMULATOR_CREDENTIALS.accessKeyId}  secret ${AWS_EMULATOR_CREDENTIALS.secretAccessKey}

  Faults and counters: GET <url>/_emulator/stats, POST <url>/_emulator/faults {"latencyMs":20,"throttleRate":0.2}, POST <url>/_emulator/reset`);
  const stop = () => void emulators.stop().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

void main();
