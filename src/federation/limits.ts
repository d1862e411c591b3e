import { MINUTE } from '../lib/time.ts';

/** How long a started sign-in may take to come back. */
export const LOGIN_STATE_LIFETIME_MS = 10 * MINUTE;
/**
 * Sign-ins one client address may start per window. Each start stores a state row for ten minutes,
 * so without a budget anyone could fill the table; people behind one NAT still have plenty.
 */
export const STARTS_PER_ADDRESS = 100;
export const STARTS_WINDOW_SECONDS = 10 * 60;
