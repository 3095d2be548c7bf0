/** Channel lifecycle: the one transition table, used by the service and documented in the README. */

export const CHANNEL_STATUSES = ['Created', 'Active', 'Paused', 'Stopped'] as const;
export type ChannelStatus = (typeof CHANNEL_STATUSES)[number];

export const LIFECYCLE_ACTIONS = ['start', 'pause', 'stop'] as const;
export type LifecycleAction = (typeof LIFECYCLE_ACTIONS)[number];

/** `null`: the action is impossible from that status (409). Same status: 200, nothing changes. */
const TRANSITIONS: Record<ChannelStatus, Record<LifecycleAction, ChannelStatus | null>> = {
  Created: { start: 'Active', pause: null, stop: 'Stopped' },
  Active: { start: 'Active', pause: 'Paused', stop: 'Stopped' },
  Paused: { start: 'Active', pause: 'Paused', stop: 'Stopped' },
  Stopped: { start: 'Active', pause: null, stop: 'Stopped' },
};

export function nextStatus(from: ChannelStatus, action: LifecycleAction): ChannelStatus | null {
  return TRANSITIONS[from][action];
}
