import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { BroadcastService } from './broadcast.service';

/** Reports the fan-out core: how many clients are subscribed right now. */
@Injectable()
export class BroadcastHealthIndicator {
  constructor(
    private readonly health: HealthIndicatorService,
    private readonly broadcast: BroadcastService,
  ) {}

  check(key: string) {
    return this.health.check(key).up({ subscribers: this.broadcast.totalSubscribers() });
  }
}
