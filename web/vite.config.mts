import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = dirname(fileURLToPath(import.meta.url));

/**
 * The console's build (`npm run build` runs it): web/ -> dist/console, served by the gateway at /console.
 * No React plugin: Vite's own transform compiles the JSX (automatic runtime); the build needs no refresh.
 */
export default defineConfig({
  root: here,
  base: '/console/',
  logLevel: 'warn',
  oxc: { jsx: { runtime: 'automatic' } },
  // `npx vite --config web/vite.config.mts` serves the console from source; the API stays the gateway's.
  server: { proxy: { '/graphql': process.env.GATEWAY_URL ?? 'http://localhost:4000' } },
  build: {
    outDir: resolve(here, '../dist/console'),
    emptyOutDir: true,
    // One small app: no modulepreload polyfill (an inline-free page for the strict CSP).
    modulePreload: { polyfill: false },
    sourcemap: false,
    chunkSizeWarningLimit: 1024,
  },
});
