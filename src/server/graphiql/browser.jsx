// GraphiQL's browser entry, bundled by ./build.ts (esbuild, minified, one script and one style sheet).
// Plain JSX rather than TSX: the gateway's TypeScript project has neither DOM nor React types.
import 'graphiql/style.css';
import { createGraphiQLFetcher } from '@graphiql/toolkit';
import { GraphiQL } from 'graphiql';
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

const fetcher = createGraphiQLFetcher({ url: new URL(options.endpoint, location.href).toString() });

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
