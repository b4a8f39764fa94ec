import { describe, expect, it } from 'vitest';
import { describeEngineError } from '../../../src/drivers/engine-error.js';

const error = (message: string, code?: string) => Object.assign(new Error(message), code ? { code } : {});

describe('describeEngineError: why an engine did not answer, in words an operator can act on', () => {
  it('a server certificate not signed by tls.ca says to check tls.ca', () => {
    expect(
      describeEngineError(error('self-signed certificate in certificate chain', 'SELF_SIGNED_CERT_IN_CHAIN')),
    ).toBe(
      "TLS: the engine's certificate is not signed by tls.ca (self-signed certificate in certificate chain); check tls.ca",
    );
  });

  it('a client certificate the engine refuses says to check tls.cert and tls.key', () => {
    const alert = error('tlsv1 alert unknown ca', 'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA');
    expect(describeEngineError(alert)).toMatch(
      /^TLS: the engine refused this client certificate .*check tls\.cert and tls\.key/,
    );
    expect(describeEngineError(error('socket hang up', 'ECONNRESET'))).toMatch(
      /^TLS: the engine closed the connection/,
    );
  });

  it('anything else is "docker engine unreachable" with the cause', () => {
    expect(describeEngineError(error('connect ENOENT /var/run/docker.sock', 'ENOENT'))).toBe(
      'docker engine unreachable: connect ENOENT /var/run/docker.sock',
    );
  });
});
