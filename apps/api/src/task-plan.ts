import { MAX_SCHEDULE_AHEAD_MS, type FieldProblem, type TaskInput, type TaskPriority } from '@offload/contracts';
import { validationProblem } from './http-errors';

/** When and how urgently a task runs, and where its end is told: the task options, checked against the clock. */
export interface TaskPlan {
  /** Due later than now: the task is `scheduled` until then. Undefined: it runs as soon as a worker is free. */
  runAt?: Date;
  priority: TaskPriority;
  callbackUrl?: string;
}

/**
 * The plan of a task from its validated input at `now`. `run_at` and `delay_ms` exclude each
 * other and stay within a year; a `run_at` in the past runs at once (a client's clock may lag).
 */
export function planTask(input: TaskInput, now: Date): TaskPlan {
  const problems: FieldProblem[] = [];
  if (input.run_at !== undefined && input.delay_ms !== undefined) {
    problems.push({ path: 'delay_ms', message: 'give run_at or delay_ms, not both', code: 'custom' });
  }
  const latest = now.getTime() + MAX_SCHEDULE_AHEAD_MS;
  let due: number | undefined;
  if (input.run_at !== undefined) {
    due = Date.parse(input.run_at);
    if (due > latest) problems.push({ path: 'run_at', message: `must be at most a year ahead (no later than ${new Date(latest).toISOString()})`, code: 'too_big' });
  } else if (input.delay_ms !== undefined) {
    due = now.getTime() + input.delay_ms;
  }
  if (problems.length > 0) throw validationProblem(problems);
  return {
    ...(due !== undefined && due > now.getTime() ? { runAt: new Date(due) } : {}),
    priority: input.priority ?? 'normal',
    ...(input.callback_url === undefined ? {} : { callbackUrl: input.callback_url }),
  };
}
