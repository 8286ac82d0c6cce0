import { readFileSync } from 'node:fs'

// Linux reports process and machine CPU time in clock ticks of 1/100 s (USER_HZ, `getconf
// CLK_TCK`); it is 100 on every Linux build we target.
const TICK_US = 10_000

/**
 * CPU time (user + system, all threads) a process has used so far, in microseconds, from
 * `/proc/<pid>/stat`; null when the process is gone.
 *
 * @example
 * const before = processCpuUs(server.pid)
 */
export function processCpuUs(pid: number): number | null {
  return statCpuUs(`/proc/${pid}/stat`)
}

/**
 * CPU time of a process's main thread alone (`/proc/<pid>/task/<pid>/stat`), in µs; null when
 * gone. Against {@link processCpuUs} it tells how much work ran off the event loop.
 *
 * @example
 * const loop = mainThreadCpuUs(server.pid)
 */
export function mainThreadCpuUs(pid: number): number | null {
  return statCpuUs(`/proc/${pid}/task/${pid}/stat`)
}

function statCpuUs(path: string): number | null {
  try {
    const stat = readFileSync(path, 'utf8')
    // The command name (field 2) may contain spaces and parentheses: split after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return (Number(fields[11]) + Number(fields[12])) * TICK_US
  } catch {
    return null
  }
}

/** Machine-wide CPU time, busy and total, in microseconds (summed over all cores). */
export interface MachineCpu {
  busyUs: number
  totalUs: number
}

/**
 * Machine-wide CPU counters from the first line of `/proc/stat`.
 *
 * @example
 * const a = machineCpu(); // … later
 * const busyCores = (machineCpu().busyUs - a.busyUs) / wallUs
 */
export function machineCpu(): MachineCpu {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? ''
  const v = line.trim().split(/\s+/).slice(1, 9).map(Number)
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = v
  const busy = user + nice + system + irq + softirq + steal
  return { busyUs: busy * TICK_US, totalUs: (busy + idle + iowait) * TICK_US }
}

/** Sum of {@link processCpuUs} over pids (missing processes count 0). */
export function sumCpuUs(pids: readonly number[]): number {
  let sum = 0
  for (const pid of pids) sum += processCpuUs(pid) ?? 0
  return sum
}
