/**
 * Imported first by main.ts. Libraries read NODE_ENV once, when they load: outside "production",
 * graphql-js adds a cross-realm check to every failed type test, which shows in every request. The
 * server's entry point is production unless NODE_ENV says otherwise.
 */
process.env.NODE_ENV ??= 'production';
