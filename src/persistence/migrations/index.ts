import { CreateChannels1730000000000 } from './1730000000000-CreateChannels';

/** In order. A migration, once released, is never edited: add a new one. */
export const MIGRATIONS = [CreateChannels1730000000000];
