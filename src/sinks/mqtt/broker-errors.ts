/**
 * Turns connection errors (socket codes, TLS verification codes, CONNACK return/reason codes) into one
 * message that says what to do. Pure; the `kind` groups errors so each outage is logged once per kind.
 * Never includes the password.
 */

export interface BrokerError {
  kind: 'unreachable' | 'dns' | 'credentials' | 'not-authorized' | 'client-id' | 'tls' | 'refused' | 'other';
  message: string;
}

interface ErrorLike {
  code?: string | number;
  message?: string;
}

type Explain = (where: string, err: ErrorLike) => BrokerError;

const CONNACK: Record<number, Explain> = {
  2: () => ({
    kind: 'client-id',
    message: 'the broker rejected the client id — set a different exports.mqtt.client_id',
  }),
  133: () => ({
    kind: 'client-id',
    message: 'the broker rejected the client id — set a different exports.mqtt.client_id',
  }),
  3: (w) => ({ kind: 'refused', message: `the broker at ${w} is unavailable (CONNACK 3) — retrying` }),
  4: () => ({
    kind: 'credentials',
    message:
      'the broker refused the username/password — check exports.mqtt.username and exports.mqtt.password',
  }),
  134: () => ({
    kind: 'credentials',
    message:
      'the broker refused the username/password — check exports.mqtt.username and exports.mqtt.password',
  }),
  5: () => ({
    kind: 'not-authorized',
    message:
      'the broker refused the username/password (not authorized) — check exports.mqtt.username and exports.mqtt.password and the broker ACL',
  }),
  135: () => ({
    kind: 'not-authorized',
    message:
      'the broker refused the username/password (not authorized) — check exports.mqtt.username and exports.mqtt.password and the broker ACL',
  }),
  138: () => ({
    kind: 'not-authorized',
    message: 'the broker banned this client — check the broker configuration',
  }),
};

const UNTRUSTED: Explain = (w, e) => ({
  kind: 'tls',
  message: `certificate not trusted (${String(e.code)}) at ${w} — set exports.mqtt.tls.ca_file to the CA that signed the broker certificate`,
});

const SOCKET: Record<string, Explain> = {
  ECONNREFUSED: (w) => ({
    kind: 'unreachable',
    message: `broker not reachable at ${w} — is mosquitto running?`,
  }),
  EHOSTUNREACH: (w) => ({
    kind: 'unreachable',
    message: `broker host unreachable at ${w} — check the network and exports.mqtt.url`,
  }),
  ENETUNREACH: (w) => ({
    kind: 'unreachable',
    message: `network unreachable for ${w} — check the network and exports.mqtt.url`,
  }),
  ETIMEDOUT: (w) => ({
    kind: 'unreachable',
    message: `broker at ${w} does not answer (timeout) — check host, port and firewall`,
  }),
  ECONNRESET: (w) => ({
    kind: 'unreachable',
    message: `broker at ${w} closed the connection — does the port expect TLS (mqtts://) or plain (mqtt://)?`,
  }),
  EPIPE: (w) => ({ kind: 'unreachable', message: `broker at ${w} closed the connection — retrying` }),
  ENOTFOUND: (w) => ({
    kind: 'dns',
    message: `broker host of ${w} not found — check the host name in exports.mqtt.url`,
  }),
  EAI_AGAIN: (w) => ({
    kind: 'dns',
    message: `broker host of ${w} cannot be resolved right now (DNS) — retrying`,
  }),
  SELF_SIGNED_CERT_IN_CHAIN: UNTRUSTED,
  DEPTH_ZERO_SELF_SIGNED_CERT: UNTRUSTED,
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: UNTRUSTED,
  UNABLE_TO_GET_ISSUER_CERT: UNTRUSTED,
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: UNTRUSTED,
  CERT_SIGNATURE_FAILURE: UNTRUSTED,
  CERT_HAS_EXPIRED: (w) => ({
    kind: 'tls',
    message: `the broker certificate at ${w} has expired — renew it on the broker`,
  }),
  CERT_NOT_YET_VALID: (w) => ({
    kind: 'tls',
    message: `the broker certificate at ${w} is not valid yet — check the clocks`,
  }),
  ERR_TLS_CERT_ALTNAME_INVALID: (w) => ({
    kind: 'tls',
    message: `the broker certificate does not name the host of ${w} — use the host name in the certificate in exports.mqtt.url`,
  }),
  EPROTO: (w, e) => ({
    kind: 'tls',
    message: `TLS handshake with ${w} failed (${e.message ?? 'EPROTO'}) — does the port speak TLS, and does the broker require a client certificate (exports.mqtt.tls.cert_file / key_file)?`,
  }),
};

/** `host:port` of a broker URL, for messages. */
export function brokerAddress(url: string): string {
  try {
    const u = new URL(url);
    const port = u.port || (u.protocol === 'mqtts:' || u.protocol === 'ssl:' ? '8883' : '1883');
    return `${u.hostname}:${port}`;
  } catch {
    return url;
  }
}

export function explainBrokerError(err: unknown, url: string): BrokerError {
  const e = (typeof err === 'object' && err !== null ? err : { message: String(err) }) as ErrorLike;
  const where = brokerAddress(url);
  const code = e.code;
  if (typeof code === 'number' && CONNACK[code]) return CONNACK[code](where, e);
  if (typeof code === 'string' && SOCKET[code]) return SOCKET[code](where, e);
  if (typeof code === 'string' && code.startsWith('ERR_SSL_')) return SOCKET.EPROTO!(where, e);
  if (typeof code === 'number') {
    return {
      kind: 'refused',
      message: `the broker at ${where} refused the connection (code ${code}): ${e.message ?? ''}`,
    };
  }
  return { kind: 'other', message: `MQTT connection to ${where} failed: ${e.message ?? String(code)}` };
}
