import { defineConfig } from 'vitest/config';

// Unit tests (one module, no cluster) and integration tests (a real lab on 127.0.0.1: engine,
// hosts, and the window's components in jsdom against a lab in a worker). No browser.
export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts', 'test/integration/**/*.test.{ts,tsx}'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    pool: 'forks',
    // Labs run in one thread here (the fastest start); the tests that kill node processes ask for
    // isolation 'process' themselves. SESSION_LAB_ISOLATION=process runs every lab as the hosts do.
    env: { SESSION_LAB_ISOLATION: process.env.SESSION_LAB_ISOLATION ?? 'in-process' },
  },
});
