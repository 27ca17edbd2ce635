/**
 * One job as claimed by this instance. Every write a job makes is guarded by `owner` (`WHERE id = ? AND owner = ?`);
 * a guarded write that changes no row means another instance took the job over, and throws JobLeaseLost.
 */
export class JobLease {
  private readonly controller = new AbortController();

  constructor(
    readonly id: number,
    readonly owner: string,
    /** 1 on the first run, more when earlier runs were interrupted (their instance died or lost the lease). */
    readonly attempt: number,
  ) {}

  /** Aborted once the heartbeat finds the job is no longer ours. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get lost(): boolean {
    return this.controller.signal.aborted;
  }

  markLost(): void {
    if (!this.lost) this.controller.abort(new JobLeaseLost(this.id));
  }

  /** Throws JobLeaseLost when a guarded write changed no row. */
  confirm(affected: number | undefined): void {
    if (!affected) {
      this.markLost();
      throw new JobLeaseLost(this.id);
    }
  }
}

/** The job was taken over by another instance after this one's lease expired: this instance stops writing to it. */
export class JobLeaseLost extends Error {
  constructor(readonly jobId: number) {
    super(`job ${jobId} is no longer held by this instance (its lease expired and another instance took it over)`);
    this.name = 'JobLeaseLost';
  }
}
