/**
 * Where the time of a drift repair goes, stage by stage, from the daemon's debug log (`engine
 * event`, `event wake`, `round started`, `engine listed`, `pass started`, `deploy planned`, `action
 * done`) and the engine's own event stream as an outside observer saw it. Pure: the drift bench
 * and drift-repair.test.ts both print it.
 *
 * Stages of one disruption (all ms, same host clock):
 * - settle: the engine's first event of the disruption (a `kill`) → the engine's time of the first
 *   event the daemon wakes on (the `die`: the container's own time to exit);
 * - delivery: that event's engine time → the daemon logs that it received it (the engine's floor
 *   is the observer's own delivery, `observerDelivery`);
 * - wake: received → the project is marked due (a debounce, if any);
 * - roundStart: due → the round that repairs it starts (waits for a running pass of the project,
 *   and rounds that ran but found nothing to do yet);
 * - waitPass: the part of roundStart spent waiting for a pass of the project that was already
 *   running (until its `pass ended`), i.e. mostly that pass's own engine actions;
 * - list: that round's engine list;
 * - passStart: listed → the project's pass starts (its head, a pass slot);
 * - plan: pass start → actions planned;
 * - prepare: planned → the first repair action starts (bind sources, dependencies, admission);
 * - toAction: the engine's event → the first repair action;
 * - firstCall: the event after which the engine lists the container down (a stopped one's `stop`,
 *   a removed one's `destroy`) → the repair's first engine call: the container list its plan came
 *   from (the round's list, or a side repair's own). Issue 13 bounds this at 1 s. Negative when
 *   that list went out between the `die` and the `stop` and already saw the container exited;
 * - toRunning: the engine's event → the engine's `start` of the repaired container;
 * - floorDrift: the engine's event → an outside observer received the first event a repair can
 *   act on (`die`, `stop`, `destroy`): the engine's own part of toAction (the container's time to
 *   exit, and the event stream's delivery);
 * - own: toAction − floorDrift, what is Spin's.
 */

export interface TraceLine {
  time: number;
  msg: string;
  [key: string]: unknown;
}

export interface ObservedEvent {
  action: string;
  /** Container name. */
  name: string;
  /** The engine's time (timeNano / 1e6). */
  at: number;
  /** When the observer received it. */
  seenAt?: number;
}

export interface Disruption {
  project: string;
  /** Container name. */
  name: string;
  /** When the disrupting call was made. */
  at: number;
  /** `docker stop` or `docker rm -f`: which event says the container is down. */
  op?: 'stop' | 'rm';
  /** The container's service (matches a side repair's `service/<name>` resource). */
  service?: string;
}

export const STAGES = [
  'settle',
  'delivery',
  'wake',
  'roundStart',
  'waitPass',
  'list',
  'passStart',
  'plan',
  'prepare',
  'toAction',
  'firstCall',
  'toRunning',
  'floorDrift',
  'own',
  'observerDelivery',
] as const;
export type Stage = (typeof STAGES)[number];

/** The events after which a repair can act (a `kill` alone changes nothing yet). */
const REPAIRABLE = new Set(['die', 'stop', 'destroy']);

export type StageTimes = Partial<Record<Stage, number>>;

/** The stages of one disruption; a stage is absent when its log lines are (e.g. an older build). */
export function driftStages(d: Disruption, events: ObservedEvent[], logs: TraceLine[]): StageTimes {
  const out: StageTimes = {};
  const first = events.find((e) => e.name === d.name && e.at >= d.at - 5 && e.action !== 'start');
  if (!first) return out;
  const E = first.at;
  if (first.seenAt !== undefined) out.observerDelivery = first.seenAt - E;
  const started = events.find((e) => e.action === 'start' && e.name === d.name && e.at > d.at);
  if (started) out.toRunning = started.at - E;

  const received = logs.find(
    (l) =>
      l.msg === 'engine event' &&
      l.container === d.name &&
      typeof l.engineAt === 'number' &&
      l.engineAt >= E - 1,
  );
  const action = logs.find(
    (l) =>
      l.msg === 'action done' &&
      typeof l.action === 'string' &&
      l.action.includes(d.name) &&
      l.time - Number(l.durationMs ?? 0) >= E - 5,
  );
  const A = action ? action.time - Number(action.durationMs ?? 0) : undefined;
  if (A !== undefined) out.toAction = A - E;
  const drift = events.find((e) => e.name === d.name && e.at >= E && REPAIRABLE.has(e.action));
  if (drift?.seenAt !== undefined) {
    out.floorDrift = drift.seenAt - E;
    if (A !== undefined) out.own = A - drift.seenAt;
  }
  if (A !== undefined) {
    const call = repairListStart(d, logs, E, A);
    const op = d.op;
    const down = op && events.find((e) => e.name === d.name && e.at >= E && e.action === DOWN[op]);
    if (call !== undefined && down) out.firstCall = call - down.at;
  }
  if (!received) return out;
  const R = received.time;
  out.settle = Math.max(0, Number(received.engineAt) - E);
  out.delivery = R - Number(received.engineAt);
  const woken = logs.find((l) => l.msg === 'event wake' && l.project === d.project && l.time >= R);
  if (woken) out.wake = woken.time - R;
  if (A === undefined) return out;
  // The pass that repaired it: the project's last pass to start before the action.
  const pass = lastBefore(logs, A, (l) => l.msg === 'pass started' && l.project === d.project);
  if (!pass) return out;
  const round = logs.find((l) => l.msg === 'round started' && l.round === pass.round);
  const listed = logs.find((l) => l.msg === 'engine listed' && l.round === pass.round);
  const planned = lastBefore(logs, A, (l) => l.msg === 'deploy planned' && l.project === d.project);
  const W = woken && woken.time <= (round?.time ?? Infinity) ? woken.time : R;
  if (round) {
    out.roundStart = round.time - W;
    const ended = lastBefore(logs, round.time, (l) => l.msg === 'pass ended' && l.project === d.project);
    out.waitPass = ended && ended.time >= W ? ended.time - W : 0;
  }
  if (round && listed) out.list = listed.time - round.time;
  if (listed) out.passStart = pass.time - listed.time;
  if (planned && planned.time >= pass.time) {
    out.plan = planned.time - pass.time;
    out.prepare = A - planned.time;
  }
  return out;
}

/** The event after which the engine lists a disrupted container down. */
const DOWN = { stop: 'stop', rm: 'destroy' } as const;

/**
 * When the container list behind the repair action at `A` was sent: a side repair's own list
 * (`side repair planned` with steps, for the disrupted service) when one planned it after the
 * event, else the list of the round whose pass acted.
 */
function repairListStart(d: Disruption, logs: TraceLine[], E: number, A: number): number | undefined {
  const side = lastBefore(
    logs,
    A,
    (l) =>
      l.msg === 'side repair planned' &&
      l.project === d.project &&
      d.service !== undefined &&
      l.resource === `service/${d.service}` &&
      Number(l.steps) > 0 &&
      l.time >= E,
  );
  if (side) return side.time - Number(side.listMs ?? 0);
  const pass = lastBefore(logs, A, (l) => l.msg === 'pass started' && l.project === d.project);
  const listed = pass && logs.find((l) => l.msg === 'engine listed' && l.round === pass.round);
  return listed ? listed.time - Number(listed.durationMs ?? 0) : undefined;
}

function lastBefore(logs: TraceLine[], t: number, match: (l: TraceLine) => boolean): TraceLine | undefined {
  let found: TraceLine | undefined;
  for (const l of logs) if (l.time <= t && match(l)) found = l;
  return found;
}

function pct(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

export interface StageSummary {
  n: number;
  p50: number;
  p90: number;
  max: number;
}

export function summariseStages(all: StageTimes[]): Partial<Record<Stage, StageSummary>> {
  const out: Partial<Record<Stage, StageSummary>> = {};
  for (const stage of STAGES) {
    const values = all.map((s) => s[stage]).filter((v): v is number => v !== undefined);
    if (values.length === 0) continue;
    out[stage] = { n: values.length, p50: pct(values, 50), p90: pct(values, 90), max: Math.max(...values) };
  }
  return out;
}

/** One line per stage: `stage  p50  p90  max  (n)`. */
export function formatStages(summary: Partial<Record<Stage, StageSummary>>): string {
  return STAGES.filter((s) => summary[s])
    .map((s) => {
      const { n, p50, p90, max } = summary[s] as StageSummary;
      const ms = (v: number) => `${Math.round(v)} ms`.padStart(8);
      return `  ${s.padEnd(17)} p50 ${ms(p50)}  p90 ${ms(p90)}  max ${ms(max)}  (n=${n})`;
    })
    .join('\n');
}
