import { DAY, SECOND } from '../lib/time.ts';

/** DESIGN §4. Each number has a test that fails if it is loosened. */
export const REFRESH_IDLE_MS = 14 * DAY;
export const REFRESH_ABSOLUTE_MS = 90 * DAY;
export const COOKIE_IDLE_MS = 7 * DAY;
export const COOKIE_ABSOLUTE_MS = 30 * DAY;
/** A retired refresh token presented again within this window gets the same successor back. */
export const REFRESH_GRACE_MS = 10 * SECOND;
