import { Logger } from '@nestjs/common';
import { BroadcastService, Delivery, Subscriber } from './broadcast.service';
import { frame } from './frames';

class Recorder implements Subscriber {
  readonly received: Delivery[] = [];
  constructor(readonly id: string) {}
  deliver(d: Delivery): void {
    this.received.push(d);
  }
  get messages(): string[] {
    return this.received.map((d) => (JSON.parse(d.payload) as { message: string }).message);
  }
}

describe('BroadcastService', () => {
  let service: BroadcastService;
  beforeAll(() => Logger.overrideLogger(false));
  afterAll(() => Logger.overrideLogger(['log', 'error', 'warn']));
  beforeEach(() => (service = new BroadcastService()));

  it('fans a frame out to every subscriber of the channel, in publish order', () => {
    const subs = Array.from({ length: 5 }, (_, i) => new Recorder(`c${i}`));
    subs.forEach((s) => service.subscribe('a', s));
    expect(service.publish('a', frame('broadcast', 'a', 'one'))).toBe(5);
    expect(service.publish('a', frame('broadcast', 'a', 'two'))).toBe(5);
    for (const s of subs) expect(s.messages).toEqual(['one', 'two']);
  });

  it('serializes once: every subscriber gets the very same payload string', () => {
    const subs = Array.from({ length: 1000 }, (_, i) => new Recorder(`c${i}`));
    subs.forEach((s) => service.subscribe('a', s));
    const stringify = jest.spyOn(JSON, 'stringify');
    service.publish('a', frame('broadcast', 'a', 'A004'));
    expect(stringify).toHaveBeenCalledTimes(1);
    stringify.mockRestore();
    const first = subs[0].received[0].payload;
    expect(subs.every((s) => s.received[0].payload === first)).toBe(true);
  });

  it('keeps channels isolated', () => {
    const a = new Recorder('a1');
    const b = new Recorder('b1');
    service.subscribe('a', a);
    service.subscribe('b', b);
    service.publish('a', frame('broadcast', 'a', 'for a'));
    expect(a.messages).toEqual(['for a']);
    expect(b.messages).toEqual([]);
    expect(service.publish('nobody', frame('broadcast', 'nobody', 'x'))).toBe(0);
  });

  it('a throwing subscriber does not stop the others or the next publish', () => {
    const before = new Recorder('before');
    const thrower: Subscriber = {
      id: 'boom',
      deliver: () => {
        throw new Error('socket exploded');
      },
    };
    const after = new Recorder('after');
    service.subscribe('a', before);
    service.subscribe('a', thrower);
    service.subscribe('a', after);
    service.publish('a', frame('broadcast', 'a', '1'));
    service.publish('a', frame('broadcast', 'a', '2'));
    expect(before.messages).toEqual(['1', '2']);
    expect(after.messages).toEqual(['1', '2']);
  });

  it('skips the excluded connection and counts subscribers exactly', () => {
    const s1 = new Recorder('s1');
    const s2 = new Recorder('s2');
    service.subscribe('a', s1);
    service.subscribe('a', s2);
    expect(service.subscriberCount('a')).toBe(2);
    expect(service.publish('a', frame('client_message', 'a', 'hi'), { except: 's1' })).toBe(1);
    expect(s1.messages).toEqual([]);
    expect(s2.messages).toEqual(['hi']);
    service.unsubscribe('a', s1);
    expect(service.subscriberCount('a')).toBe(1);
  });

  it('end() sends a closing frame, then forgets the channel', () => {
    const s1 = new Recorder('s1');
    service.subscribe('a', s1);
    service.end('a', frame('stopped', 'a', 'bye'), 1000, 'stopped');
    expect(s1.received[0].close).toEqual({ code: 1000, reason: 'stopped' });
    expect(service.subscriberCount('a')).toBe(0);
    service.publish('a', frame('broadcast', 'a', 'late'));
    expect(s1.messages).toEqual(['bye']);
  });
});
