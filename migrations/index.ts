import { CreateKlines1764050000000 } from './1764050000000-create-klines';

/** Every migration, oldest first. Listed explicitly so the compiled app, the CLI and Jest load the same set. */
export const ALL_MIGRATIONS = [CreateKlines1764050000000];
