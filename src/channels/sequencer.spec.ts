import { SEQ_BLOCK, Sequencer } from './sequencer';

function job(published: number[]) {
  return { build: (seq: number) => seq, publish: (seq: number) => (published.push(seq), seq) };
}

describe('Sequencer', () => {
  it('numbers from 1, in submission order, reserving a block before the first use', async () => {
    const reserved: number[] = [];
    const published: number[] = [];
    const seq = new Sequencer<number, number>(0, 0, {
      reserve: (c) => {
        reserved.push(c);
        return Promise.resolve();
      },
      admit: () => undefined,
    });
    const results = await Promise.all([1, 2, 3].map(() => seq.submit(job(published))));
    expect(results).toEqual([1, 2, 3]);
    expect(published).toEqual([1, 2, 3]);
    expect(reserved).toEqual([1 + SEQ_BLOCK]);
  });

  it('publishes synchronously when the block is already reserved', () => {
    const published: number[] = [];
    const seq = new Sequencer<number, number>(5, 100, {
      reserve: () => Promise.resolve(),
      admit: () => undefined,
    });
    void seq.submit(job(published));
    expect(published).toEqual([6]);
  });

  it('keeps order while a batch waits for persistence', async () => {
    const published: number[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const persisted: number[][] = [];
    const seq = new Sequencer<number, number>(0, 10_000, {
      reserve: () => Promise.resolve(),
      persist: async (m) => {
        persisted.push(m);
        if (persisted.length === 1) await gate;
      },
      admit: () => undefined,
    });
    const first = seq.submit(job(published));
    const rest = [seq.submit(job(published)), seq.submit(job(published))];
    expect(published).toEqual([]);
    release();
    await Promise.all([first, ...rest]);
    expect(published).toEqual([1, 2, 3]);
    expect(persisted).toEqual([[1], [2, 3]]);
  });

  it('rejects a refused batch without burning numbers', async () => {
    let open = false;
    const published: number[] = [];
    const seq = new Sequencer<number, number>(0, 100, {
      reserve: () => Promise.resolve(),
      admit: () => {
        if (!open) throw new Error('not active');
      },
    });
    await expect(seq.submit(job(published))).rejects.toThrow('not active');
    open = true;
    await expect(seq.submit(job(published))).resolves.toBe(1);
  });
});

describe('Sequencer.releaseReservation', () => {
  it('makes the next submission reserve again, above the released ceiling', async () => {
    const reserved: number[] = [];
    const seq = new Sequencer<number, number>(0, 0, {
      reserve: (c) => {
        reserved.push(c);
        return Promise.resolve();
      },
      admit: () => undefined,
    });
    await seq.submit({ build: (n) => n, publish: (n) => n });
    expect(seq.releaseReservation()).toBe(1);
    await expect(seq.submit({ build: (n) => n, publish: (n) => n })).resolves.toBe(2);
    expect(reserved).toEqual([1 + SEQ_BLOCK, 2 + SEQ_BLOCK]);
  });
});
