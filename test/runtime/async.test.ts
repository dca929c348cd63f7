// deadline(): a signal that fires with the parent's reason, or with a TimeoutError after its time (as
// AbortSignal.any([parent, AbortSignal.timeout(ms)])), and that dispose() leaves quiet.
import { describe, expect, it } from 'vitest';
import { deadline } from '../../src/runtime/async.js';

const tick = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('deadline', () => {
  it('fires with a TimeoutError once its time has passed', async () => {
    const d = deadline(new AbortController().signal, 10);
    expect(d.signal.aborted).toBe(false);
    await tick(30);
    expect(d.signal.aborted).toBe(true);
    expect((d.signal.reason as Error).name).toBe('TimeoutError');
  });

  it('fires with the parent\'s reason when the parent aborts first', () => {
    const parent = new AbortController();
    const d = deadline(parent.signal, 60_000);
    const reason = new Error('client went away');
    parent.abort(reason);
    expect(d.signal.reason).toBe(reason);
    d.dispose();
  });

  it('is aborted at once under an aborted parent', () => {
    const parent = new AbortController();
    parent.abort(new Error('gone'));
    expect((deadline(parent.signal, 60_000).signal.reason as Error).message).toBe('gone');
  });

  it('works without a parent', async () => {
    const d = deadline(undefined, 5);
    await tick(20);
    expect((d.signal.reason as Error).name).toBe('TimeoutError');
  });

  it('stays quiet after dispose(): neither the timer nor the parent abort it', async () => {
    const parent = new AbortController();
    const d = deadline(parent.signal, 10);
    d.dispose();
    parent.abort(new Error('later'));
    await tick(30);
    expect(d.signal.aborted).toBe(false);
  });
});
