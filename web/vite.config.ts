// Builds the querier's web UI into dist/web (served by src/query/ui/web-ui.ts). Relative asset URLs keep the bundle
// independent of --web.route-prefix; the server rewrites index.html's references per request.
import { defineConfig } from 'vite';

export default defineConfig({
  base: './',
  build: {
    outDir: '../dist/web',
    emptyOutDir: true,
    assetsDir: 'static',
    sourcemap: false,
    chunkSizeWarningLimit: 1500,
  },
  server: {
    // `npx vite web` during development: the API comes from a running querier.
    proxy: { '/api': 'http://127.0.0.1:10902' },
  },
});
