import { defineConfig } from 'vitest/config';

// End-to-end: Chromium (Debian's, through playwright-core) drives the browser host, which serves
// the built window (out/renderer: `npm run build` first; `npm test` does). One file at a time,
// since each starts a lab and a browser.
export default defineConfig({
  test: {
    include: ['test/e2e/**/*.e2e.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    fileParallelism: false,
    // The window follows the lab through pushes: on a shared, busy machine a change can take a few
    // seconds to show, so polls wait up to 10 s (they return as soon as the change shows).
    expect: { poll: { timeout: 10_000 } },
  },
});
