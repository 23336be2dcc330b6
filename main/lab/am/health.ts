import type { NodeContext } from './context';
import type { AmResponse } from './http';

/**
 * The health checks balancers and orchestrators poll, none of them behind a session:
 * - `isAlive.jsp`: an HTML page with "Server is ALIVE" once the configuration store answers
 *   (OpenAM openam-server-only/src/main/webapp/isAlive.jsp);
 * - `json/health/live`: 200 while the server runs; `json/health/ready`: 200 only when its stores
 *   answer, which is what ForgeOps' amster scripts wait for before configuring AM (forgeops
 *   docker/amster/scripts; the three are listed together in Identity Cloud's deprecation notes).
 */
export async function health(node: NodeContext, route: { kind: 'isAlive' } | { kind: 'health'; check: 'live' | 'ready' }): Promise<AmResponse> {
  if (route.kind === 'isAlive') {
    return {
      status: 200,
      text: '<html>\n<head>\n    <title>OpenAM</title>\n</head>\n<body>\n<h1>Server is ALIVE: </h1>\n</body>\n</html>\n',
      headers: { 'Content-Type': 'text/html;charset=UTF-8' },
    };
  }
  if (route.check === 'live') return { status: 200 };
  try {
    await node.cts.count();
    return { status: 200 };
  } catch {
    return { status: 503 };
  }
}
