export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/** The instant `ms` milliseconds after `from`. */
export function after(ms: number, from: Date = new Date()): Date {
  return new Date(from.getTime() + ms);
}
