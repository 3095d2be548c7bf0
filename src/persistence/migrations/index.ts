import { CreateChannels1730000000000 } from './1730000000000-CreateChannels';
import { CreateMessages1730000001000 } from './1730000001000-CreateMessages';

/** In order. A migration, once released, is never edited: add a new one. */
export const MIGRATIONS = [CreateChannels1730000000000, CreateMessages1730000001000];
