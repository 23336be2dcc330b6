/** What the renderers of a real balancer's configuration (render.ts, haproxyConf.ts, nginxConf.ts) share. */

export interface RenderInput {
  nodes: { id: string; port: number }[];
  /** Where the real balancer listens (127.0.0.1). */
  port: number;
  /** Its private temp directory (certificate, pid, temp files). */
  dir: string;
}

/** A configuration rewritten to run on this machine. */
export interface RenderedConf {
  text: string;
  /** Whether the front listens with TLS (the customer's bind had `ssl`). */
  tls: boolean;
  notes: string[];
}
