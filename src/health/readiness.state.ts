import { Injectable } from '@nestjs/common';

/** Flipped once on shutdown so `/ready` answers 503 while connections drain. */
@Injectable()
export class ReadinessState {
  private draining = false;

  get shuttingDown(): boolean {
    return this.draining;
  }

  markShuttingDown(): void {
    this.draining = true;
  }
}
