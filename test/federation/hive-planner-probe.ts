import { startCatalog, type CatalogShape } from './router-bugs.js';
import { composeSupergraph, startRouter } from './routers.js';

/**
 * Runs one query through Hive Gateway with the Hive Router query planner, in a process of its own:
 * the planner can abort the process (a Rust panic), which would take a test worker down with it.
 * Usage: hive-planner-probe.ts '<CatalogShape as JSON>' '<document>'; prints the response.
 */
const [shapeJson, document] = process.argv.slice(2);
const catalog = await startCatalog(JSON.parse(shapeJson) as CatalogShape);
const router = await startRouter('hive-planner', composeSupergraph(catalog.subgraphs));
console.log(JSON.stringify(await router.query(document)));
await router.close();
await catalog.close();
