import { nextStatus } from './channel-state';

describe('channel lifecycle table', () => {
  it.each([
    ['Created', 'start', 'Active'],
    ['Created', 'pause', null],
    ['Created', 'stop', 'Stopped'],
    ['Active', 'start', 'Active'],
    ['Active', 'pause', 'Paused'],
    ['Active', 'stop', 'Stopped'],
    ['Paused', 'start', 'Active'],
    ['Paused', 'pause', 'Paused'],
    ['Paused', 'stop', 'Stopped'],
    ['Stopped', 'start', 'Active'],
    ['Stopped', 'pause', null],
    ['Stopped', 'stop', 'Stopped'],
  ] as const)('%s + %s -> %s', (from, action, to) => {
    expect(nextStatus(from, action)).toBe(to);
  });
});
