/** CPU time, from /proc: unlike req/s it hardly moves when other programs share the machine. */
import { readdirSync, readFileSync } from 'node:fs';

const TICK_US = 10_000; // USER_HZ is 100 on Linux

export interface CpuSample {
  /** µs of user + system time of every process in the server's process group (tsx and node). */
  readonly server: number;
  /** µs of the PostgreSQL backends connected to the bench database. */
  readonly database: number;
}

/** Reads the CPU time used so far by process group `pgid`, and by the backends of database `dbName`. */
export function readCpu(pgid: number, dbName?: string): CpuSample {
  let server = 0;
  let database = 0;
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return { server: NaN, database: NaN };
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Fields after "(comm)": state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ticks = Number(fields[11]) + Number(fields[12]);
      if (Number(fields[2]) === pgid) server += ticks;
      else if (dbName !== undefined && readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(` ${dbName} `)) database += ticks;
    } catch {
      // gone, or not ours to read
    }
  }
  return { server: server * TICK_US, database: dbName === undefined ? NaN : database * TICK_US };
}
