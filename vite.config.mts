import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The window: one bundle served by both hosts (app:// in Electron, 127.0.0.1 in the browser
// host). Relative base so it works under either origin; no inline scripts, so the CSP holds.
export default defineConfig({
  root: 'renderer',
  base: './',
  plugins: [react()],
  logLevel: 'warn',
  build: {
    outDir: '../out/renderer',
    emptyOutDir: true,
    target: 'chrome120',
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 1024,
  },
});
