import { Injectable } from '@nestjs/common';

/** One abort signal for everything ingestion does; fired when the app shuts down so waits and requests end at once. */
@Injectable()
export class IngestionLifecycle {
  private readonly controller = new AbortController();

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get stopping(): boolean {
    return this.controller.signal.aborted;
  }

  stop(): void {
    this.controller.abort(new Error('the app is shutting down'));
  }
}

/** True for the error an aborted wait or request rejects with. */
export function isAbort(error: unknown, signal: AbortSignal): boolean {
  return signal.aborted || (error instanceof Error && (error.name === 'AbortError' || error.message.includes('aborted')));
}
