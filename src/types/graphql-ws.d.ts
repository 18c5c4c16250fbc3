// graphql-ws publishes its entry points through package.json "exports", which TypeScript's "node"
// module resolution (ours, for CommonJS) does not read. Node resolves them at run time; these map the
// same specifiers to the published declaration files for the type checker.
declare module 'graphql-ws/use/ws' {
  export * from 'graphql-ws/dist/use/ws';
}
