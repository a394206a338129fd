import { parseArgs } from 'node:util';
import { ConfigError, loadConfigFile, type GatewayConfig } from './config.js';
import type { EmulatorSet } from './emulators/index.js';
import { createLogger } from './logger.js';
import { createGateway, type Gateway } from './server/app.js';
import { listen } from './server/listen.js';
import { PROVIDER_CATALOG } from './providers/index.js';

const USAGE = `Usage: secrets-gateway [--config FILE]

  --config FILE   configuration (YAML or JSON); also SECRETS_GATEWAY_CONFIG.
                  Without one, the gateway starts on local emulators of the
                  provider APIs with sample data (the embedded demo).
  PORT            overrides server.port.`;

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { config: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const logger = createLogger();
  const configPath = values.config ?? process.env.SECRETS_GATEWAY_CONFIG;
  let config: GatewayConfig;
  let emulators: EmulatorSet | null = null;
  let gateway: Gateway;
  let token: string | null = null;
  try {
    if (configPath) {
      config = loadConfigFile(configPath, PROVIDER_CATALOG);
    } else {
      // Loaded only for the demo: a configured gateway carries no emulator code.
      const { demoToken, embeddedConfig, startEmulators } = await import('./emulators/index.js');
      emulators = await startEmulators();
      config = embeddedConfig(emulators, process.env);
      // The demo needs credentials too: a full-scope token for its fresh key, prefilled in GraphiQL.
      token = demoToken(config, { subject: 'demo-user' });
    }
    // Files the configuration names (JWKS, persisted operations) are read here.
    gateway = createGateway(
      PROVIDER_CATALOG,
      config,
      logger,
      token ? { graphiqlHeaders: { Authorization: `Bearer ${token}` } } : {},
    );
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(2);
    }
    throw error;
  }

  const server = await listen(gateway, config.server.host, config.server.port);
  const mode = emulators ? 'embedded demo: local emulators with sample data' : `config ${configPath}`;
  console.log(
    `\nsecrets-gateway (${mode})\n  GraphiQL and GraphQL: ${server.url}/graphql\n  health:               ${server.url}/healthz\n`,
  );
  if (token) {
    console.log(
      `  Every request needs a credential. GraphiQL is prefilled with this demo token (read + reveal, all sources, 12 h):\n\n  Authorization: Bearer ${token}\n\n  e.g. curl -H 'content-type: application/json' -H 'authorization: Bearer <token>' -d '{"query":"{ sources { id } }"}' ${server.url}/graphql\n`,
    );
  }

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: draining in-flight requests');
    gateway.startDraining();
    await server.close();
    await emulators?.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((error: unknown) => {
  console.error(`secrets-gateway failed to start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
