import { Injectable, Logger } from '@nestjs/common';
import { frame } from '../broadcast/frames';
import { ChannelsService } from '../channels/channels.service';
import { HubConfig } from '../config/config.schema';
import { InjectHubConfig } from '../config/hub.config';
import { SocketSubscriber } from './socket-subscriber';

const PAGE = 500;

/**
 * `?since=N`: sends every stored broadcast with `seq > N`, then hands over to the live stream.
 * The subscriber is already subscribed when this starts, and stores are written before they are
 * published, so every broadcast is either in the store or in the subscriber's backlog: none is
 * missed, and the subscriber drops the ones it already replayed.
 *
 * When broadcasts after N are not in the store (pruned, or the channel does not persist), the
 * client is told with an `error` frame `RECOVERY_PARTIAL` naming the missing range, never
 * silently.
 */
@Injectable()
export class RecoveryService {
  private readonly logger = new Logger(RecoveryService.name);

  constructor(
    private readonly channels: ChannelsService,
    @InjectHubConfig() private readonly config: HubConfig,
  ) {}

  async replay(subscriber: SocketSubscriber, since: number, lastSeq: number): Promise<void> {
    const channelId = subscriber.channelId;
    subscriber.startReplay();
    try {
      let after = since;
      let page = await this.channels.history(channelId, after, PAGE);
      const firstStored = page[0]?.seq;
      const missingTo = firstStored !== undefined ? firstStored - 1 : lastSeq;
      if (missingTo > since) {
        subscriber.sendOwn(
          JSON.stringify(
            frame(
              'error',
              channelId,
              `Recovery is partial: broadcasts ${since + 1} to ${missingTo} are no longer stored`,
              {
                code: 'RECOVERY_PARTIAL',
                missing_from: since + 1,
                missing_to: missingTo,
              },
            ),
          ),
        );
      }
      for (;;) {
        for (const f of page) {
          if (!subscriber.replay(JSON.stringify(f), f.seq!)) return;
        }
        if (page.length < PAGE) break;
        after = page[page.length - 1].seq!;
        await this.drained(subscriber);
        if (!subscriber.open) return;
        page = await this.channels.history(channelId, after, PAGE);
      }
    } catch (err) {
      this.logger.error({ err, channelId, connectionId: subscriber.id }, 'history replay failed');
      subscriber.sendOwn(
        JSON.stringify(
          frame('error', channelId, 'Recovery failed; reconnect to try again', {
            code: 'RECOVERY_FAILED',
          }),
        ),
      );
    } finally {
      subscriber.endReplay();
    }
  }

  /** Waits until the socket has room, so a long replay never queues more than the bound. */
  private async drained(subscriber: SocketSubscriber): Promise<void> {
    const limit = this.config.websocket.max_buffered_bytes / 2;
    for (
      let waited = 0;
      subscriber.open && subscriber.buffered > limit && waited < 30_000;
      waited += 10
    ) {
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}
