import { setFlagsFromString } from 'node:v8';

/**
 * Imported first by main.ts: these settings must be in place before the libraries they concern load.
 */

// Libraries read NODE_ENV once, when they load: outside "production", graphql-js adds a cross-realm
// check to every failed type test, which shows in every request. The server is production unless
// NODE_ENV says otherwise.
process.env.NODE_ENV ??= 'production';

// Prisma's query compiler is a WebAssembly module. By default V8 compiles it quickly (Liftoff), then
// compiles its hot functions again with TurboFan; that second compilation leaves ~60 MB more resident
// memory with the process, for no gain we could measure (query compilation is a sliver of a request;
// see bench/README.md). Must be set before the module is compiled. A `liftoff` flag given to node
// (command line or NODE_OPTIONS) wins.
const nodeFlags = `${process.execArgv.join(' ')} ${process.env.NODE_OPTIONS ?? ''}`;
if (!nodeFlags.includes('liftoff')) setFlagsFromString('--liftoff-only');
