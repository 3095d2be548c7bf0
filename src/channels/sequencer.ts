/**
 * Orders a channel's broadcasts and hands out their `seq`.
 *
 * Broadcasts are queued and processed in batches, strictly in submission order: numbers are
 * reserved durably (in blocks, so the fast path does not touch the database), each message gets
 * `lastSeq + 1`, the batch is persisted when a `persist` step is given, and only then published.
 * While a batch awaits the database, later submissions wait in the queue, so a channel's
 * messages are never published out of `seq` order. With nothing to await, a submission is
 * processed synchronously.
 */

export const SEQ_BLOCK = 1000;

export interface SequencedJob<M, R> {
  /** Builds the message once its number is known. */
  build(seq: number): M;
  /** Runs after the batch is durable; must not throw for a healthy channel. */
  publish(message: M): R;
}

interface Pending<M, R> {
  job: SequencedJob<M, R>;
  resolve(result: R): void;
  reject(err: unknown): void;
}

export interface SequencerPorts<M> {
  /** Makes `ceiling` the highest reserved number, durably. */
  reserve(ceiling: number): Promise<void>;
  /** Writes a batch durably before it is published; returns nothing when there is nothing to write. */
  persist?(messages: M[]): Promise<void> | undefined;
  /** Called before each batch: a refusal rejects the whole batch, nothing is numbered. */
  admit(): void;
}

export class Sequencer<M, R> {
  private queue: Pending<M, R>[] = [];
  private draining = false;

  constructor(
    private last: number,
    private ceiling: number,
    private readonly ports: SequencerPorts<M>,
  ) {}

  get lastSeq(): number {
    return this.last;
  }

  /**
   * Gives back the unused rest of the reserved block (clean shutdown): the ceiling becomes the
   * exact last number, returned for the caller to store. A later submission reserves anew.
   */
  releaseReservation(): number {
    this.ceiling = this.last;
    return this.ceiling;
  }

  submit(job: SequencedJob<M, R>): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ job, resolve, reject });
      if (!this.draining) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.draining = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue;
        this.queue = [];
        try {
          this.ports.admit();
          if (this.last + batch.length > this.ceiling) {
            const ceiling = this.last + batch.length + SEQ_BLOCK;
            await this.ports.reserve(ceiling);
            this.ceiling = ceiling;
            this.ports.admit();
          }
          const messages = batch.map((p) => p.job.build(++this.last));
          const written = this.ports.persist?.(messages);
          if (written) await written;
          batch.forEach((p, i) => p.resolve(p.job.publish(messages[i])));
        } catch (err) {
          for (const p of batch) p.reject(err);
        }
      }
    } finally {
      this.draining = false;
    }
  }
}
