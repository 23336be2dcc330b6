import { describe, expect, it } from 'vitest';
import { LIVE_SETTINGS } from '../../main/contract/settings';
import { startLab } from './helpers';
import type { Case, LiveKey } from './live/act';
import { AM_CASES } from './live/am';
import { LAB_CASES } from './live/lab';

/**
 * Every setting the live schema accepts takes effect on a running lab: each is changed through the
 * window's configure action and then seen in what AM, the balancer or the trace do next. A live
 * setting without a case fails to compile here (the table is keyed by the live settings).
 */
const LIVE: Record<LiveKey, Case> = { ...LAB_CASES, ...AM_CASES };

describe('live settings take effect on a running lab', () => {
  it('every live setting has a case', () => {
    expect(Object.keys(LIVE).sort()).toEqual([...LIVE_SETTINGS].sort());
  });

  for (const [key, check] of Object.entries(LIVE)) {
    it(`${key}: changed live, seen in the next traffic`, async () => {
      const lab = await startLab({ nodes: 2 });
      await lab.pauseClock(true);
      await check(lab);
    });
  }
});
