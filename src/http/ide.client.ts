/**
 * The GraphQL IDE's own browser code: the bootstrap script and stylesheet that src/http/ide.ts serves
 * as files (CSP `script-src 'self'` forbids inline script). Plain ES5 in a string: it runs as written,
 * beside GraphiQL's UMD build, with no bundler in between.
 *
 * What it adds to GraphiQL:
 * - An API key field of its own above the editors. Without a key (there, or as Authorization in the
 *   Headers tab) GraphiQL gets `schema: null`, so it does not introspect and the result pane does not
 *   open on "Invalid or missing API key". Entering a key introspects (docs, autocomplete).
 * - The key stays in sessionStorage (this tab) unless "remember" is ticked (localStorage); unticking
 *   deletes it from localStorage. GraphiQL itself persists no headers: they could hold a key.
 * - Subscriptions over graphql-ws on the same path, with the key in connection_init.
 * - Dark mode: GraphiQL follows prefers-color-scheme (or its own theme setting); the key bar follows both.
 */

/** Storage name of the key (sessionStorage, or localStorage when remembered). */
export const IDE_KEY_STORAGE = 'sessions-gateway:api-key';

// String.raw: the regular expressions below are written exactly as the browser sees them. No backtick
// may appear inside, and "${" only for the one value put in on purpose.
export const IDE_BOOTSTRAP_JS = String.raw`'use strict';
(function () {
  var KEY_STORAGE = '${IDE_KEY_STORAGE}';
  var container = document.getElementById('graphiql');
  var endpoint = container.getAttribute('data-endpoint');
  var keyInput = document.getElementById('ide-key');
  var rememberBox = document.getElementById('ide-remember');
  var keyForm = document.getElementById('ide-key-form');
  var status = document.getElementById('ide-key-status');
  // Kept short: it has to be readable in the query editor at 1,280 px without scrolling sideways.
  var defaultQuery = [
    '# Welcome to the sessions-gateway GraphQL IDE.',
    '#',
    '# 1. Enter your API key in the field above.',
    '# 2. Write a query; run it with Ctrl+Enter.',
    '# 3. The book icon (left) opens the docs.',
    '#',
    '# Subscriptions run over a WebSocket.',
    '',
    '{',
    '  __typename',
    '}',
    '',
  ].join('\n');

  function store(name) {
    try { return window[name]; } catch (e) { return null; } // storage can be blocked by the browser
  }
  function read(name) {
    var s = store(name);
    try { return (s && s.getItem(KEY_STORAGE)) || ''; } catch (e) { return ''; }
  }
  function write(name, value) {
    var s = store(name);
    try { if (!s) return; if (value) s.setItem(KEY_STORAGE, value); else s.removeItem(KEY_STORAGE); } catch (e) { /* full or blocked */ }
  }
  // Earlier versions let GraphiQL persist the Headers tab (with the key) in localStorage: remove it.
  (function forgetPersistedHeaders() {
    var s = store('localStorage');
    try {
      if (!s) return;
      s.removeItem('graphiql:headers');
      s.removeItem('graphiql:shouldPersistHeaders');
      var tabs = JSON.parse(s.getItem('graphiql:tabState') || 'null');
      if (tabs && Array.isArray(tabs.tabs)) {
        tabs.tabs.forEach(function (t) { t.headers = null; });
        s.setItem('graphiql:tabState', JSON.stringify(tabs));
      }
    } catch (e) { /* unreadable: GraphiQL starts fresh */ }
  })();

  /** A pasted "Bearer sgk_..." counts as the key itself. */
  function normalizeKey(v) {
    return String(v || '').trim().replace(/^bearer\s+/i, '').trim();
  }
  var remembered = read('localStorage');
  var apiKey = normalizeKey(remembered || read('sessionStorage'));
  keyInput.value = apiKey;
  rememberBox.checked = Boolean(remembered);
  // Authorization typed into the Headers tab, if any: it also counts as having a key.
  var headerAuth = false;

  function saveKey() {
    if (rememberBox.checked) {
      write('localStorage', apiKey);
      write('sessionStorage', '');
    } else {
      write('localStorage', '');
      write('sessionStorage', apiKey);
    }
  }

  function authorizationOf(headers) {
    for (var name in headers) if (name.toLowerCase() === 'authorization' && headers[name]) return headers[name];
    return '';
  }
  function headersWithKey(opts) {
    var headers = {};
    var given = (opts && opts.headers) || {};
    for (var name in given) headers[name] = given[name];
    // An Authorization header in the Headers tab wins: it is the more specific choice, made per tab.
    if (!authorizationOf(headers) && apiKey) headers.Authorization = 'Bearer ' + apiKey;
    return headers;
  }

  var http = GraphiQL.createFetcher({ url: endpoint });
  var wsUrl = location.origin.replace(/^http/, 'ws') + endpoint;
  // Read from the text being sent, not GraphiQL's documentAST: that is parsed after a pause, so a query
  // run right after an edit would be routed by the previous document.
  function operationType(query, name) {
    var src = query.replace(/"""[\s\S]*?"""|"(?:\\.|[^"\\])*"/g, '""').replace(/#[^\n\r]*/g, '');
    var re = /(?:^|\})\s*(query|mutation|subscription)\b\s*([_A-Za-z][_0-9A-Za-z]*)?/g;
    var m, first = null;
    while ((m = re.exec(src))) {
      first = first || m[1];
      if (name && m[2] === name) return m[1];
    }
    return first || 'query';
  }
  function subscribe(params, headers) {
    // A WebSocket carries no headers of ours: the key goes in connection_init.
    var client = graphqlWs.createClient({ url: wsUrl, lazy: true, retryAttempts: 0, connectionParams: { authorization: authorizationOf(headers) } });
    return {
      subscribe: function (sink) {
        var stop = client.subscribe(params, {
          next: function (v) { sink.next(v); },
          error: function (e) { sink.error(e instanceof Error ? e : new Error('Subscription closed (code ' + (e && e.code) + ': ' + (e && e.reason) + ')')); client.dispose(); },
          complete: function () { sink.complete(); client.dispose(); },
        });
        return { unsubscribe: function () { stop(); client.dispose(); } };
      },
    };
  }
  // A new function whenever the key changes: GraphiQL introspects again when its fetcher changes.
  function makeFetcher() {
    return function fetcher(params, opts) {
      var headers = headersWithKey(opts);
      if (operationType(params.query || '', params.operationName) === 'subscription') return subscribe(params, headers);
      var sent = {};
      for (var k in opts || {}) sent[k] = opts[k];
      sent.headers = headers;
      return http(params, sent);
    };
  }
  var fetcher = makeFetcher();

  function showStatus(text) {
    status.textContent = text;
  }
  function haveKey() {
    return Boolean(apiKey) || headerAuth;
  }

  var root = ReactDOM.createRoot(container);
  function render() {
    root.render(
      React.createElement(GraphiQL, {
        fetcher: fetcher,
        // null: no introspection until there is a key, so nothing fails before the user has done anything.
        schema: haveKey() ? undefined : null,
        defaultQuery: defaultQuery,
        isHeadersEditorEnabled: true,
        shouldPersistHeaders: false,
        showPersistHeadersSettings: false,
        onEditHeaders: function (text) {
          var had = headerAuth;
          try { headerAuth = Boolean(authorizationOf(JSON.parse(text || '{}'))); } catch (e) { headerAuth = false; }
          if (had !== headerAuth && !apiKey) render();
        },
        onSchemaChange: function () { showStatus('Schema loaded: docs and autocomplete are on.'); },
      }),
    );
  }

  function applyKey() {
    var next = normalizeKey(keyInput.value);
    if (next === apiKey) return;
    apiKey = next;
    saveKey();
    fetcher = makeFetcher();
    showStatus(apiKey ? 'Loading the schema…' : 'Enter an API key to load the schema.');
    render();
  }
  var typing = null;
  keyInput.addEventListener('input', function () {
    clearTimeout(typing);
    typing = setTimeout(applyKey, 600);
  });
  keyInput.addEventListener('change', applyKey);
  keyForm.addEventListener('submit', function (e) {
    e.preventDefault();
    clearTimeout(typing);
    applyKey();
  });
  rememberBox.addEventListener('change', saveKey);

  showStatus(apiKey ? 'Loading the schema…' : 'Enter an API key to load the schema.');
  render();
})();
`;

/**
 * The page's layout and the key bar's look. Colours follow GraphiQL's: its palette for light and dark,
 * switched like GraphiQL's own (prefers-color-scheme unless its theme setting puts a class on <body>).
 */
const DARK_BAR = `--bar-bg: hsl(219, 29%, 18%); --bar-fg: hsl(219, 29%, 88%); --bar-muted: hsl(219, 29%, 72%);
    --bar-line: hsla(219, 29%, 78%, 0.2); --bar-field: hsl(219, 29%, 14%); --bar-accent: hsl(338, 100%, 67%);
    color-scheme: dark;`;

export const IDE_CSS = `html, body { height: 100%; margin: 0; }
body { overflow: hidden; display: flex; flex-direction: column; }
#graphiql { flex: 1; min-height: 0; }
.ide-bar {
  --bar-bg: hsl(219, 28%, 100%); --bar-fg: hsl(219, 28%, 32%); --bar-muted: hsl(219, 28%, 45%);
  --bar-line: hsla(219, 28%, 32%, 0.15); --bar-field: hsl(220, 20%, 97%); --bar-accent: hsl(243, 100%, 33%);
  color-scheme: light;
  display: flex; flex-wrap: wrap; align-items: center; gap: 6px 16px;
  padding: 8px 16px; background: var(--bar-bg); color: var(--bar-fg);
  border-bottom: 1px solid var(--bar-line);
  font: 14px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
}
.ide-bar a { color: var(--bar-accent); }
.ide-title { font-weight: 600; margin-right: auto; }
.ide-title a { color: inherit; text-decoration: none; }
.ide-key { display: flex; flex-wrap: wrap; align-items: center; gap: 6px 10px; margin: 0; }
.ide-key input[type="password"] {
  width: 22em; max-width: 60vw; padding: 4px 8px; font: inherit; font-family: ui-monospace, monospace;
  color: var(--bar-fg); background: var(--bar-field); border: 1px solid var(--bar-line); border-radius: 4px;
}
.ide-key input:focus-visible { outline: 2px solid var(--bar-accent); outline-offset: 1px; }
.ide-remember { display: inline-flex; align-items: center; gap: 4px; color: var(--bar-muted); }
#ide-key-status { color: var(--bar-muted); font-size: 13px; }
@media (prefers-color-scheme: dark) {
  body:not(.graphiql-light) .ide-bar { ${DARK_BAR} }
}
body.graphiql-dark .ide-bar { ${DARK_BAR} }
`;
