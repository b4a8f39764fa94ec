import type { GitSource } from './source.js';

/** The same source, with each head lookup (the poll) timed for metrics. */
export function timedSource(source: GitSource, observe: (ms: number, ok: boolean) => void): GitSource {
  return withResolveHead(source, async (adverts) => {
    const started = Date.now();
    try {
      const head = await source.resolveHead(adverts);
      observe(Date.now() - started, true);
      return head;
    } catch (err) {
      observe(Date.now() - started, false);
      throw err;
    }
  });
}

/** `source` with another head lookup; everything else is delegated to it. */
export function withResolveHead(source: GitSource, resolveHead: GitSource['resolveHead']): GitSource {
  return {
    get gitdir() {
      return source.gitdir;
    },
    listRefs: () => source.listRefs(),
    ensureCommit: (ref, oid) => source.ensureCommit(ref, oid),
    resolveHead,
    readerAt: (commit) => source.readerAt(commit),
    watch: (onChange) => source.watch(onChange),
    ...(source.commitToBranch ? { commitToBranch: source.commitToBranch.bind(source) } : {}),
    ...(source.inspectMove ? { inspectMove: source.inspectMove.bind(source) } : {}),
    ...(source.pushBranch ? { pushBranch: source.pushBranch.bind(source) } : {}),
    ...(source.proposeOnBranch ? { proposeOnBranch: source.proposeOnBranch.bind(source) } : {}),
  };
}
