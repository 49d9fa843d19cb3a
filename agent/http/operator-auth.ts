import { CidrList } from './cidr';
import { clientAddress } from './client-address';
import { errorResponse } from './json';
import { secretMatcher } from '../secret-match';
import type { AgentResponse, RequestHead } from './route';

export interface OperatorAuthDeps {
  /** The resolved apiToken; undefined when the config names none, which keeps the operator API shut. */
  token: string | undefined;
  /** Receives one JSON line per refused request, as webhook refusals do. */
  securityLog: (line: string) => void;
  now: () => number;
  trustedProxies: readonly string[];
}

type Reason = 'api-token-not-configured' | 'missing-token' | 'malformed-authorization' | 'bad-token';

const SEND_IT = 'send it as "Authorization: Bearer <token>"';
const MESSAGES: Record<Reason, string> = {
  'api-token-not-configured':
    'The operator API is off because the agent has no API token. Set apiToken in its config (env:NAME or file:PATH, holding a long random value such as the output of "openssl rand -hex 32"), restart the agent, then ' +
    `${SEND_IT}.`,
  'missing-token': `This needs the agent's API token (the value apiToken names in its config); ${SEND_IT}.`,
  'malformed-authorization': `The Authorization header is not a bearer token; ${SEND_IT}.`,
  'bad-token': `The API token does not match the one the agent's config names (apiToken); check it and ${SEND_IT}.`,
};

/**
 * Checks `Authorization: Bearer <token>` before anything else happens (it runs as a route's `admit`, so
 * no body is read for a refused caller). The token is compared in constant time.
 */
export function operatorAuth(deps: OperatorAuthDeps): (request: RequestHead) => AgentResponse | undefined {
  const matches = deps.token === undefined ? undefined : secretMatcher(deps.token);
  const proxies = new CidrList(deps.trustedProxies);

  const refuse = (request: RequestHead, reason: Reason): AgentResponse => {
    const ip = clientAddress(request.remoteAddress, request.headers['x-forwarded-for'], proxies);
    deps.securityLog(
      JSON.stringify({ time: new Date(deps.now()).toISOString(), type: 'operator-refused', requestId: request.id, method: request.method, path: request.path, ip, reason, status: 401 }),
    );
    const challenge = reason === 'bad-token' ? 'Bearer realm="lifeline-agent", error="invalid_token"' : 'Bearer realm="lifeline-agent"';
    return errorResponse(401, reason, MESSAGES[reason], request.id, { 'www-authenticate': challenge });
  };

  return (request) => {
    if (matches === undefined) return refuse(request, 'api-token-not-configured');
    const header = request.headers.authorization;
    if (header === undefined || header.trim() === '') return refuse(request, 'missing-token');
    const given = /^Bearer +([^\s]+) *$/i.exec(header)?.[1];
    if (given === undefined) return refuse(request, 'malformed-authorization');
    return matches(given) ? undefined : refuse(request, 'bad-token');
  };
}
