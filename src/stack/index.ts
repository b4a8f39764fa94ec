/** The stack file pipeline: find, parse, interpolate, check and normalise a Compose stack. */
export type { Diagnostic, PathSegment } from './diagnostics.js';
export { formatDiagnostic, formatPath, sortDiagnostics } from './diagnostics.js';
export type { FileReader, LocatedDocument, Position } from './source.js';
export type * from './model.js';
export { loadStack, STACK_FILE_NAMES, type LoadOptions, type LoadResult } from './load.js';
export { FolderReader } from './fs-reader.js';
export { DEFAULT_PARSE_LIMITS, parseYaml, type ParseLimits, type ParseResult } from './parse.js';
export { interpolate, interpolateDocument, type InterpolateResult } from './interpolate.js';
export { validateSchema } from './schema.js';
export { findUnsupported } from './unsupported.js';
export { normalise, type NormaliseResult } from './normalise.js';
export { DEFAULT_STOP_GRACE_PERIOD_SECONDS } from './service.js';
export { DEFAULT_UPDATE_CONFIG } from './service-fields.js';
export { hasErrors, isWarning, severityOf, type Severity } from './severity.js';
export { shellSplit } from './shell-split.js';
