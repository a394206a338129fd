// GraphiQL's browser entry, bundled by ./build.ts (esbuild, minified, one script and one style sheet).
// Plain JSX rather than TSX: the gateway's TypeScript project has neither DOM nor React types.
import 'graphiql/style.css';
import { createGraphiQLFetcher } from '@graphiql/toolkit';
import { GraphiQL } from 'graphiql';
import { Kind, parse } from 'graphql';
import { createRoot } from 'react-dom/client';

/** What the page passes in `<script type="application/json" id="graphiql-options">`. */
const options = JSON.parse(document.getElementById('graphiql-options').textContent);

// GraphiQL reopens the stored tab whose query, variables and headers equal the ones it is given,
// and opens a new tab when none does: given nothing, every reload added an empty tab.
let stored = null;
try {
  stored = JSON.parse(localStorage.getItem('graphiql:tabState'));
} catch {}
const active = stored?.tabs?.[stored.activeTabIndex];

const fetchGraphQL = createGraphiQLFetcher({ url: new URL(options.endpoint, location.href).toString() });

// GraphiQL 4 fetches the schema when it mounts, before its headers editor exists, so that first
// introspection would go without the headers the page opens with (the demo token) and fail.
let openingHeaders = parseHeaders(active?.headers ?? options.defaultHeaders ?? options.headers);
function fetcher(params, opts) {
  const headers = opts?.headers ?? openingHeaders;
  openingHeaders = undefined;
  return fetchGraphQL(withOwnOperationName(params), { ...opts, headers });
}

// GraphiQL 4 learns the operation name of a tab's query 100 ms after the editor changes: a run
// within that time after switching tabs (a quick click, Ctrl-Enter) sent the previous tab's name.
function withOwnOperationName(params) {
  if (!params.operationName) return params;
  try {
    const operations = parse(params.query).definitions.filter(
      (definition) => definition.kind === Kind.OPERATION_DEFINITION,
    );
    if (operations.length !== 1 || operations[0].name?.value === params.operationName) return params;
    return { ...params, operationName: operations[0].name?.value ?? null };
  } catch {
    return params;
  }
}

function parseHeaders(text) {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return undefined;
  }
}

createRoot(document.getElementById('root')).render(
  <GraphiQL
    fetcher={fetcher}
    defaultTabs={options.defaultTabs}
    defaultHeaders={options.defaultHeaders ?? options.headers}
    query={active?.query ?? undefined}
    variables={active?.variables ?? undefined}
    headers={active?.headers ?? undefined}
    shouldPersistHeaders
    defaultEditorToolsVisibility
    schemaDescription
    inputValueDeprecation
  >
    <GraphiQL.Logo>{options.title}</GraphiQL.Logo>
  </GraphiQL>,
);
