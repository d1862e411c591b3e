// Every capability's tables, for drizzle-kit and the typed client. Capabilities never import this.
export * from '../accounts/tables.ts';
export * from '../apikeys/tables.ts';
export * from '../audit/tables.ts';
export * from '../federation/tables.ts';
export * from '../mail/tables.ts';
export * from '../oauth/tables.ts';
export * from '../sessions/tables.ts';
export * from '../tokens/tables.ts';
export * from '../factors/tables.ts';
