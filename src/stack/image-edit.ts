import { isMap, isScalar, parseDocument, Scalar } from 'yaml';

export type ImageEdit = { ok: true; text: string } | { ok: false; reason: string };

/**
 * Pure: the stack file's text with `services.<service>.image` changed from `from` to `to`, and
 * nothing else: the yaml Document API finds the scalar and only its source range is rewritten
 * (same quoting), so comments, order and formatting stay byte for byte. Refused when the value
 * written is not literally `from` (an interpolated `image: ${REGISTRY}/web:${TAG}` cannot be
 * edited without changing what the variables mean) or the text is not a stack of that shape.
 */
export function setServiceImage(text: string, service: string, from: string, to: string): ImageEdit {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) return { ok: false, reason: 'the stack file does not parse' };
  const services = doc.get('services', true);
  const spec = isMap(services) ? services.get(service, true) : undefined;
  const node = isMap(spec) ? spec.get('image', true) : undefined;
  if (!isScalar(node) || !node.range)
    return { ok: false, reason: `services.${service}.image is not a plain value` };
  if (node.value !== from) {
    return {
      ok: false,
      reason: `services.${service}.image is written as '${String(node.value)}', not '${from}' (interpolated?); change it by hand or write the reference literally`,
    };
  }
  const [start, end] = node.range;
  const written = quoted(to, node.type);
  if (written === undefined) return { ok: false, reason: `'${to}' cannot be written in the same quoting` };
  return { ok: true, text: `${text.slice(0, start)}${written}${text.slice(end)}` };
}

/** `value` in the quoting style the old value had; references need no escapes. */
function quoted(value: string, type: Scalar['type']): string | undefined {
  if (/["'\\\n]/.test(value)) return undefined;
  switch (type) {
    case Scalar.QUOTE_DOUBLE:
      return `"${value}"`;
    case Scalar.QUOTE_SINGLE:
      return `'${value}'`;
    case Scalar.PLAIN:
    case undefined:
      return value;
    default:
      // Block scalars (`image: |`) are not worth keeping: a reference is one line.
      return undefined;
  }
}
