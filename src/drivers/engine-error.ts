import { errorMessage } from '../util/errors.js';

/**
 * Why an engine did not answer, in words an operator can act on. TLS failures are the ones that
 * need it: Node says `self-signed certificate in certificate chain` or `socket hang up`, which
 * name neither which side refused nor which file to check. The engine's name is added by the
 * caller (`EngineUnavailable: <engine>: <this>`).
 */
export function describeEngineError(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  const message = errorMessage(err);
  switch (code) {
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'UNABLE_TO_GET_ISSUER_CERT':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
    case 'CERT_SIGNATURE_FAILURE':
      return `TLS: the engine's certificate is not signed by tls.ca (${message}); check tls.ca`;
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return `TLS: the engine's certificate does not name this host (${message}); use the address its certificate names`;
    case 'CERT_HAS_EXPIRED':
      return `TLS: the engine's certificate has expired (${message})`;
  }
  // The engine refused our client certificate: it closes the handshake with an alert, which Node
  // reports as an SSL error naming the alert (or, on some versions, a reset during the handshake).
  if (typeof code === 'string' && /^ERR_SSL_.*(CERTIFICATE|UNKNOWN_CA|HANDSHAKE)/.test(code)) {
    return `TLS: the engine refused this client certificate (${message}); check tls.cert and tls.key (signed by the CA the engine trusts)`;
  }
  if (code === 'ECONNRESET' && /socket hang up|TLS|SSL/i.test(message)) {
    return `TLS: the engine closed the connection during the handshake (${message}); check tls.cert and tls.key`;
  }
  return `docker engine unreachable: ${message}`;
}
