/** Plain HTTP, for setup and for the closed loops: node:http with keep-alive (lighter than fetch). */
import http from 'node:http';

const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

export interface Reply {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly text: string;
}

export function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Reply> {
  const payload = JSON.stringify(body);
  return send('POST', url, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(payload)), ...headers }, payload);
}

export function get(url: string, headers: Record<string, string> = {}): Promise<Reply> {
  return send('GET', url, headers);
}

function send(method: string, url: string, headers: Record<string, string>, payload?: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const request = http.request(url, { method, agent, headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, text: Buffer.concat(chunks).toString() }));
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end(payload);
  });
}

/** Parsed GraphQL answers, read loosely: every field used is checked where it is read. */
type Json = any;

export async function gql(base: string, query: string, variables?: Record<string, unknown>, headers?: Record<string, string>) {
  const reply = await post(`${base}/graphql`, variables === undefined ? { query } : { query, variables }, headers);
  let json: Json;
  try {
    json = JSON.parse(reply.text);
  } catch {
    json = undefined;
  }
  return { ...reply, json };
}

export function closeClientSockets(): void {
  agent.destroy();
}
