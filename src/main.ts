/**
 * Process entry point. A served gateway runs graphql in production mode (its development checks cost
 * several percent of every request); the environment is set before anything imports graphql.
 */
process.env.NODE_ENV ??= 'production';
await import('./gateway-main.js');
