import type { Dispatcher } from 'undici';
import type { Header } from '../trace/types';

export interface BufferedResponse {
  status: number;
  /** Raw response header pairs, in the order the node sent them. */
  headers: Header[];
  body: Buffer;
  /** Real ms from dispatch to the response head (HAR wait) and from head to last byte (receive). */
  wait: number;
  receive: number;
}

/**
 * One request to a node, with the whole response collected in memory. Uses undici's dispatch
 * handler directly: the balancer needs the full body for the trace anyway, so a stream per
 * response would only add cost on the hot path.
 */
export function dispatchBuffered(dispatcher: Dispatcher, opts: Dispatcher.DispatchOptions): Promise<BufferedResponse> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    let head = start;
    let status = 0;
    let headers: Header[] = [];
    const chunks: Buffer[] = [];
    dispatcher.dispatch(opts, {
      onConnect() {},
      onHeaders(statusCode: number, raw: Buffer[] | string[] | null) {
        status = statusCode;
        head = performance.now();
        headers = [];
        for (let i = 0; raw && i + 1 < raw.length; i += 2) headers.push([raw[i]!.toString(), raw[i + 1]!.toString()]);
        return true;
      },
      onData(chunk: Buffer) {
        chunks.push(chunk);
        return true;
      },
      onComplete() {
        resolve({ status, headers, body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks), wait: head - start, receive: performance.now() - head });
      },
      onError(err: Error) {
        reject(err);
      },
    } as unknown as Dispatcher.DispatchHandler);
  });
}
