/**
 * How many things a plan changes, by kind: kept in the project status and history and shown by
 * the CLI and dashboard, so it sits below all of them; the planner counts it
 * (summarisePlan in src/drivers/plan-action.ts).
 */
export interface PlanSummary {
  created: number;
  recreated: number;
  started: number;
  removed: number;
  /** Containers renamed to the current name scheme (set only when there were any). */
  renamed?: number;
  networks: number;
  volumes: number;
}
