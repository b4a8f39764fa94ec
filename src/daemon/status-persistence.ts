import { StatusStore } from '../status/store.js';
import { unknownStatus, type ProjectStatus } from '../status/project-status.js';

/** Idle passes change only timestamps: their status file is rewritten at most this often. */
const STATUS_REWRITE_MS = 60_000;

/**
 * Every project's last status: in memory (what the API serves, always current) and in its file
 * under the state dir (what a restart and `spin status --config` read).
 */
export class PersistedStatuses {
  private readonly statuses = new Map<string, ProjectStatus>();
  private readonly store: StatusStore;
  private readonly lastWritten = new Map<string, { key: string; at: number }>();

  constructor(stateDir: string) {
    this.store = new StatusStore(stateDir);
  }

  /** The last persisted or computed status, if any. */
  get(name: string): ProjectStatus | undefined {
    return this.statuses.get(name);
  }

  /** The last status, or Unknown before there is one. */
  current(name: string): ProjectStatus {
    return this.statuses.get(name) ?? unknownStatus(name);
  }

  /** Changes the in-memory status only (a pass ending writes it). */
  set(name: string, status: ProjectStatus): void {
    this.statuses.set(name, status);
  }

  /** The status this process has, else the one a previous process wrote; kept in memory. */
  async load(name: string): Promise<ProjectStatus | undefined> {
    const previous = this.statuses.get(name) ?? (await this.store.read(name));
    if (previous) this.statuses.set(name, previous);
    return previous;
  }

  /** Sets and writes at once (an operator's change, which must survive a restart). */
  async save(status: ProjectStatus): Promise<void> {
    this.statuses.set(status.project, status);
    await this.store.write(status);
  }

  /**
   * Sets a pass's status and writes it when it changed beyond its timestamps, or the last write is
   * a minute old. Throws when the write fails (the in-memory status is set anyway).
   */
  async record(name: string, status: ProjectStatus, options: { repeated?: boolean } = {}): Promise<void> {
    this.statuses.set(name, status);
    if (this.changed(name, status, options.repeated === true)) await this.store.write(status);
  }

  /**
   * `repeated`: the status is the last one with new timestamps (a repeated idle pass), so only
   * the age of the last write is looked at, not the whole status serialised again.
   */
  private changed(name: string, status: ProjectStatus, repeated: boolean): boolean {
    const last = this.lastWritten.get(name);
    if (repeated && last && Date.now() - last.at < STATUS_REWRITE_MS) return false;
    const { lastReconcile: _at, lastDurationMs: _ms, ...rest } = status;
    const key = JSON.stringify(rest);
    if (last && last.key === key && Date.now() - last.at < STATUS_REWRITE_MS) return false;
    this.lastWritten.set(name, { key, at: Date.now() });
    return true;
  }
}
