/**
 * The stop signals a service may name (`stop_signal`, the engine's StopSignal): Linux signals
 * as the engine parses them (a name with or without `SIG`, any case, or a number), less the
 * job-control signals that pause a process instead of ending it — with one of those every stop
 * of the service waits out the whole grace period before SIGKILL.
 */

/** Names the engine knows on Linux (moby/sys/signal), without `SIG`. */
const NAMES = [
  ...'ABRT ALRM BUS CHLD CLD CONT FPE HUP ILL INT IO IOT KILL PIPE POLL PROF PWR QUIT SEGV STKFLT SYS TERM TRAP URG USR1 USR2 VTALRM WINCH XCPU XFSZ RTMIN RTMAX'.split(
    ' ',
  ),
  ...Array.from({ length: 15 }, (_, i) => `RTMIN+${i + 1}`),
  ...Array.from({ length: 14 }, (_, i) => `RTMAX-${i + 1}`),
];

/** SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU: they stop (pause) the process. */
const PAUSING_NAMES = ['STOP', 'TSTP', 'TTIN', 'TTOU'];
const PAUSING_NUMBERS = [19, 20, 21, 22];

const ALLOWED = new Set(NAMES);
const HIGHEST = 64;

/** Why `signal` is not an allowed stop signal, or undefined when it is. */
export function stopSignalProblem(signal: string): string | undefined {
  if (/^\d+$/.test(signal)) {
    const n = Number(signal);
    if (n < 1 || n > HIGHEST) return `signal ${signal} is not between 1 and ${HIGHEST}`;
    if (PAUSING_NUMBERS.includes(n)) return `signal ${signal} pauses the process instead of ending it`;
    return undefined;
  }
  const name = signal.toUpperCase().replace(/^SIG/, '');
  if (PAUSING_NAMES.includes(name)) return `${signal} pauses the process instead of ending it`;
  if (!ALLOWED.has(name)) return `"${signal}" is not a Linux signal name or number`;
  return undefined;
}
