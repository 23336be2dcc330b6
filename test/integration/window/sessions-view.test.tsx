// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Sessions } from '../../../renderer/components/Sessions';
import { LabStore, setStore } from '../../../renderer/state/store';
import { startWorkerLab, stubLayout, type WorkerLab } from './windowHarness';

const MIN = 60_000;

describe('sessions monitor (renderer/components/Sessions.tsx) on a real lab', () => {
  let lab: WorkerLab;
  let store: LabStore;
  let unstub: () => void;

  beforeAll(async () => {
    // The table is virtualized: jsdom needs a height for any row to be drawn.
    unstub = stubLayout(600, 1400);
    lab = await startWorkerLab({ nodes: 2, policy: 'sticky', maxIdleTime: 30, maxSessionTime: 120 });
    store = new LabStore(lab.connection);
    setStore(store);
    // A paused lab clock makes every countdown exact.
    await store.api.pauseClock({ paused: true });
  });
  afterAll(async () => {
    cleanup();
    unstub();
    await lab.stop();
  });

  const rows = () => screen.queryAllByTestId('session-row');
  const cells = (row: HTMLElement) => within(row).getAllByRole('gridcell');

  it('shows a designed empty state before anyone logs in', async () => {
    render(<Sessions />);
    expect(await screen.findByText('No sessions in the CTS')).toBeTruthy();
  });

  it('lists a new session with idle and max time counting down on the lab clock', async () => {
    const b = await store.api.createBrowser({ name: 'A' });
    const r = await store.api.perform({ action: 'login', browser: b.id, username: 'demo', password: 'Ch4ng31t' });
    expect(r.steps?.at(-1)?.kind).toBe('success');
    await waitFor(() => expect(rows()).toHaveLength(1));
    const row = rows()[0]!;
    expect(row.dataset.status).toBe('active');
    expect(cells(row)[1]!.textContent).toBe('demo lab only');
    expect(within(cells(row)[1]!).getByTitle('demo credentials — lab only')).toBeTruthy();
    expect(within(row).getByTestId('idle-left').textContent).toBe('30:00');
    expect(row.textContent).toContain('2:00:00');

    await store.api.perform({ action: 'wait', ms: 10 * MIN });
    await waitFor(() => expect(within(rows()[0]!).getByTestId('idle-left').textContent).toBe('20:00'));
    expect(rows()[0]!.textContent).toContain('1:50:00');
    expect(within(rows()[0]!).getByTestId('idle-left').className).toContain('countdown-ok');

    await store.api.perform({ action: 'wait', ms: 16 * MIN });
    await waitFor(() => expect(within(rows()[0]!).getByTestId('idle-left').className).toContain('countdown-soon'));
  });

  it('keeps a session that idled out listed, ended, with its reason', async () => {
    await store.api.perform({ action: 'wait', ms: 5 * MIN });
    await waitFor(() => expect(rows()[0]!.dataset.status).toBe('ended'));
    expect(rows()[0]!.dataset.reason).toBe('idle');
    expect(within(rows()[0]!).getByText('max idle time')).toBeTruthy();
    expect(within(rows()[0]!).queryByRole('button', { name: /Terminate/ })).toBeNull();
  });

  it('terminates an active session through AM admin REST from the Terminate button', async () => {
    const b = await store.api.createBrowser({ name: 'B' });
    await store.api.perform({ action: 'login', browser: b.id, username: 'demo', password: 'Ch4ng31t' });
    await waitFor(() => expect(rows().filter((r) => r.dataset.status === 'active')).toHaveLength(1));
    fireEvent.click(screen.getByRole('button', { name: /Terminate the session of demo/ }));
    // Asked first: AM cannot undo it.
    fireEvent.click(await screen.findByTestId('confirm'));
    await waitFor(() => expect(rows().filter((r) => r.dataset.reason === 'admin')).toHaveLength(1));
    // The browser finds out on its next access, as in AM.
    const v = await store.api.perform({ action: 'validate', browser: b.id });
    expect(v.response?.body).toMatchObject({ valid: false });
    // Active only: the demo sessions are gone; amadmin's own console session remains, as in AM.
    fireEvent.click(screen.getByRole('radio', { name: 'Active' }));
    await waitFor(() => expect(rows().map((r) => cells(r)[1]!.textContent?.trim())).toEqual(['amadmin']));
  });
});
