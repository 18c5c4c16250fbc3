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

// After a full collection V8 lets the old generation grow up to 4× what was still live before it collects
// again. Under long requests (a 50-session nested page takes 150–200 ms, so its garbage is promoted) that
// headroom fills with garbage: the gateway peaked at 309 MB through the benchmark. A factor of 2
// collects sooner: 225 MB, with no CPU cost the benchmark could see (an earlier A/B read 3–7 % by id;
// bench/README.md, "Peak memory"). A
// `--heap-growing-percent` given to node wins (`=0` is V8's own sizing); NODE_OPTIONS refuses the flag.
if (!nodeFlags.includes('heap-growing-percent')) setFlagsFromString('--heap-growing-percent=100');

// V8's memory reducer stays on: it does the full collections a burst leaves while the process is idle.
// Turned off (`node --no-memory-reducer`; it cannot be set from here, V8 reads it when it sets up the heap)
// the same collections came during the next load instead (bench/README.md, "Idle CPU and V8's memory reducer").
