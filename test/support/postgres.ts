// The PostgreSQL discovery lives in postgres.mts: ESM, so that vitest.config.mts can import it as is
// (a .ts file in this CommonJS package makes Vite warn about its future native config loader).
export * from './postgres.mjs';
