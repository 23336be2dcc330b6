import { defineConfig } from 'vitest/config';

// Unit tests (one module, no cluster) and integration tests (a real lab on 127.0.0.1: engine,
// hosts, and the window's components in jsdom against a lab in a worker). No browser.
export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts', 'test/integration/**/*.test.{ts,tsx}'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    pool: 'forks',
  },
});
