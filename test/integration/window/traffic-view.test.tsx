// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { useState } from 'react';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventsPanel } from '../../../renderer/components/Events';
import { Traffic } from '../../../renderer/components/Traffic';
import { LabStore, setStore } from '../../../renderer/state/store';
import { startWorkerLab, stubLayout, type WorkerLab } from './windowHarness';

function Harness() {
  const [selected, setSelected] = useState<string | null>(null);
  return (
    <>
      <Traffic selectedId={selected} onSelect={setSelected} />
      <EventsPanel onOpenExchange={setSelected} />
    </>
  );
}

const VALIDATIONS = 600;

describe('traffic table (renderer/components/Traffic.tsx) on a real lab', () => {
  let lab: WorkerLab;
  let store: LabStore;
  let unstub: () => void;
  let total = 0;

  beforeAll(async () => {
    unstub = stubLayout(600, 1400);
    lab = await startWorkerLab({ nodes: 3, policy: 'round-robin' });
    store = new LabStore(lab.connection);
    setStore(store);
    // The seed ticket: chains behind a round-robin balancer give a 401 on the second step.
    const a = await store.api.createBrowser({ name: 'Round-robin' });
    const failed = await store.api.perform({ action: 'login', browser: a.id, username: 'demo', password: 'Ch4ng31t' });
    expect(failed.steps?.at(-1)).toMatchObject({ kind: 'failure', status: 401 });
    await store.api.perform({ action: 'configure', patch: { policy: 'sticky' } });
    const b = await store.api.createBrowser({ name: 'Sticky' });
    expect((await store.api.perform({ action: 'login', browser: b.id, username: 'demo', password: 'Ch4ng31t' })).steps?.at(-1)?.kind).toBe('success');
    // Enough rows that only a window of them can be in the DOM (bounded loop).
    for (let i = 0; i < VALIDATIONS; i++) await store.api.perform({ action: 'validate', browser: b.id });
    total = 4 + VALIDATIONS;
  }, 60_000);

  afterAll(async () => {
    cleanup();
    unstub();
    await lab.stop();
  });

  const rows = () => screen.queryAllByTestId('traffic-row');

  it('virtualizes: all exchanges are counted, only a window of rows is rendered', async () => {
    render(<Harness />);
    await waitFor(() => expect(screen.getByText(`${total.toLocaleString('en-US')} exchanges`, { exact: false })).toBeTruthy());
    expect(rows().length).toBeGreaterThan(10);
    expect(rows().length).toBeLessThan(80);
  });

  it('highlights the 401 and filters down to it', async () => {
    fireEvent.change(screen.getByTestId('filter-status'), { target: { value: '401' } });
    await waitFor(() => expect(rows()).toHaveLength(1));
    const row = rows()[0]!;
    expect(row.dataset.status).toBe('401');
    expect(row.className).toContain('is-401');
    expect(row.className).toContain('is-expired');
    expect(screen.getByText(`1 of ${total.toLocaleString('en-US')}`, { exact: false })).toBeTruthy();
  });

  it('explains the selected 401 from the event recorded during it', async () => {
    fireEvent.click(rows()[0]!);
    const detail = await screen.findByTestId('exchange-detail');
    expect(within(detail).getByTestId('explanation').textContent).toMatch(/Node 0\d: .*no auth session.*401 Session has timed out/);
    fireEvent.click(within(detail).getByRole('tab', { name: /Response/ }));
    expect(within(detail).getByTestId('response-body').textContent).toContain('"message": "Session has timed out"');
    fireEvent.click(within(detail).getByRole('tab', { name: /Cookies/ }));
    expect(within(detail).getByText('Sent with the request')).toBeTruthy();
  });

  it('filters by node and browser, and reset shows everything again', async () => {
    fireEvent.change(screen.getByTestId('filter-status'), { target: { value: 'all' } });
    const sticky = store.getState().snapshot!.browsers.find((b) => b.name === 'Sticky')!;
    fireEvent.change(screen.getByTestId('filter-browser'), { target: { value: sticky.id } });
    await waitFor(() => expect(screen.getByText(`${(2 + VALIDATIONS).toLocaleString('en-US')} of`, { exact: false })).toBeTruthy());
    const node = store.getState().trace.exchanges.find((e) => e.browser === sticky.id && e.response.status === 200)!.routing.node!;
    fireEvent.change(screen.getByTestId('filter-node'), { target: { value: node } });
    await waitFor(() => expect(rows().every((r) => within(r).getByText(node, { selector: '.chip' }))).toBe(true));
    fireEvent.click(screen.getByRole('button', { name: 'Reset' }));
    await waitFor(() => expect(screen.getByText(`${total.toLocaleString('en-US')} exchanges`, { exact: false })).toBeTruthy());
  });

  it('moves the selection with the keyboard', async () => {
    const grid = screen.getByTestId('traffic');
    fireEvent.keyDown(grid, { key: 'Home' });
    await waitFor(() => expect(rows().find((r) => r.getAttribute('aria-selected') === 'true')?.getAttribute('aria-rowindex')).toBe('1'));
    fireEvent.keyDown(grid, { key: 'ArrowDown' });
    await waitFor(() => expect(rows().find((r) => r.getAttribute('aria-selected') === 'true')?.getAttribute('aria-rowindex')).toBe('2'));
    fireEvent.keyDown(grid, { key: 'Escape' });
    await waitFor(() => expect(screen.queryByTestId('exchange-detail')).toBeNull());
  });

  it('opens the exchange an event happened in from the event stream', async () => {
    const missed = await screen.findAllByText(/Session has timed out/, { selector: '.event-message' });
    fireEvent.click(missed[0]!.closest('.event')!);
    const detail = await screen.findByTestId('exchange-detail');
    expect(within(detail).getByText('401', { selector: '.status' })).toBeTruthy();
  });
});
