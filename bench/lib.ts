/** What the benchmark scripts share; each part lives in bench/lib/. */
export * from './lib/cleanup.ts';
export * from './lib/database.ts';
export * from './lib/children.ts';
export * from './lib/http.ts';
export * from './lib/credentials.ts';
export * from './lib/cpu.ts';
export * from './lib/measure.ts';
