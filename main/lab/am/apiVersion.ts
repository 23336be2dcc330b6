/**
 * AM's Accept-API-Version routing: a route with version M.m serves M.n when the majors match and
 * m ≥ n. No header → the latest route, with AM's two Warning headers. An unsupported version is a
 * 404 with an empty body; a malformed header a 400 with a plain-text body.
 */
export interface Negotiated {
  resource: string;
  major: number;
  headers: Record<string, string | string[]>;
}

const PART = /^\s*(resource|protocol)\s*=\s*(\d+)\.(\d+)\s*$/;

export class VersionError extends Error {
  constructor(
    readonly status: 400 | 404,
    readonly text: string,
  ) {
    super(text);
  }
}

export function negotiate(header: string | undefined, routes: string[]): Negotiated {
  const latest = routes[routes.length - 1]!;
  if (header === undefined || header.trim() === '') {
    return {
      resource: latest,
      major: Number(latest.split('.')[0]),
      headers: {
        'Content-API-Version': `resource=${latest}`,
        Warning: ['100 OpenAM REST "No Accept-API-Version specified"', '100 chf "Accept-API-Version should be included in the request."'],
      },
    };
  }
  let resource: [number, number] | undefined;
  let protocol: string | undefined;
  const parts = header.split(',');
  if (parts.length > 2) throw new VersionError(400, `Malformed Accept-API-Version header: ${header}`);
  for (const p of parts) {
    const m = PART.exec(p);
    if (!m) throw new VersionError(400, `Malformed Accept-API-Version header: ${header}`);
    if (m[1] === 'resource') resource = [Number(m[2]), Number(m[3])];
    else protocol = `${m[2]}.${m[3]}`;
  }
  let chosen = latest;
  if (resource) {
    const match = routes.find((r) => {
      const [M, m] = r.split('.').map(Number) as [number, number];
      return M === resource![0] && m >= resource![1];
    });
    if (!match) throw new VersionError(404, '');
    chosen = match;
  }
  return {
    resource: chosen,
    major: Number(chosen.split('.')[0]),
    headers: { 'Content-API-Version': protocol ? `protocol=${protocol},resource=${chosen}` : `resource=${chosen}` },
  };
}
