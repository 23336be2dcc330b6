import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runLbCheck } from '../../main/cli/lbCheck';
import { crc32, f5Decode, f5Encode, nginxHash, nginxIpHash } from '../../main/lab/balancer/hashing';
import { LbConfigError } from '../../main/lab/lbconfig/model';
import { detectProduct, readBalancerConfig } from '../../main/lab/lbconfig/read';

const fixture = (f: string) => readFileSync(`test/fixtures/lb/${f}`, 'utf8');

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (t: string) => void out.push(t), err: (t: string) => void err.push(t) }, out, err };
}

describe('hash functions as the products compute them (balancers.md §2, §5)', () => {
  it('crc32 is zlib\'s', () => {
    expect(crc32('123456789')).toBe(0xcbf43926);
  });
  it('F5 K6917: member 192.168.10.21:8080 is BIGipServer value 353020096.36895.0000, and back', () => {
    expect(f5Encode('192.168.10.21:8080')).toBe('353020096.36895.0000');
    expect(f5Decode('353020096.36895.0000')).toBe('192.168.10.21:8080');
  });
  it('nginx `hash $cookie_amlbcookie` over two servers sends 01 to server 02 and 02 to server 01 (lab check with nginx 1.22)', () => {
    const servers = [{ address: 'a', weight: 1 }, { address: 'b', weight: 1 }];
    expect(nginxHash('01', servers, () => true)).toBe(1);
    expect(nginxHash('02', servers, () => true)).toBe(0);
  });
  it('nginx ip_hash uses the first three octets only: 10.1.2.3 and 10.1.2.200 land together', () => {
    const servers = [{ address: 'a', weight: 1 }, { address: 'b', weight: 1 }, { address: 'c', weight: 1 }];
    expect(nginxIpHash('10.1.2.3', servers, () => true)).toBe(nginxIpHash('10.1.2.200', servers, () => true));
  });
});

describe('readers: one model from each product, detected by content', () => {
  it.each([
    ['haproxy/sticky-amlbcookie.cfg', 'haproxy'],
    ['nginx/map-amlbcookie.conf', 'nginx'],
    ['ingress/persistent.yaml', 'ingress-nginx'],
    ['alb/lb-cookie.json', 'aws-alb'],
    ['f5/cookie-insert.txt', 'f5'],
  ])('%s is %s', (file, product) => {
    expect(detectProduct(fixture(file))).toBe(product);
  });

  it('haproxy.cfg: the AM backend, `cookie` mode and attributes, server values, redispatch from defaults, the httpchk path, the ssl bind', () => {
    const m = readBalancerConfig(fixture('haproxy/sticky-amlbcookie.cfg'), 'h.cfg');
    expect(m.backend).toBe('am_servers');
    expect(m.servers.map((s) => [s.name, s.address, s.cookie])).toEqual([
      ['am1', '10.0.1.11:8080', '01'],
      ['am2', '10.0.1.12:8080', '02'],
    ]);
    expect(m.persistence[0]).toMatchObject({ kind: 'cookie', mode: 'passive', name: 'amlbcookie', source: { line: 26 } });
    expect(m.redispatch.enabled).toBe(true);
    expect(m.health).toMatchObject({ kind: 'http', method: 'GET', path: '/am/isAlive.jsp' });
    expect(m.listener.tls).toBe(true);
    const ins = readBalancerConfig(fixture('haproxy/insert-https.cfg'), 'h.cfg').persistence[0];
    expect(ins).toMatchObject({ mode: 'insert', indirect: true, nocache: true, attrs: { secure: true, httpOnly: true, sameSite: 'None', path: '/' } });
  });

  it('nginx.conf: a map on $cookie_amlbcookie is passive persistence, case-insensitive, with the map keys as server values', () => {
    const m = readBalancerConfig(fixture('nginx/map-amlbcookie.conf'), 'n.conf');
    expect(m.persistence[0]).toMatchObject({ kind: 'cookie', mode: 'passive', name: 'amlbcookie', caseInsensitive: true });
    expect(m.servers.map((s) => s.cookie)).toEqual(['01', '02']);
    expect(m.listener.hosts).toEqual(['am.example.com']);
  });

  it('Ingress: affinity mode, cookie name, path and lifetime from the annotations, TLS from spec.tls', () => {
    const m = readBalancerConfig(fixture('ingress/persistent.yaml'), 'i.yaml');
    expect(m.persistence[0]).toMatchObject({ value: 'ingress-persistent', name: 'route', attrs: { path: '/am', maxAgeSec: 172800, httpOnly: true } });
    expect(m.listener).toMatchObject({ tls: true, hosts: ['am.example.com'] });
    expect(m.backend).toBe('forgerock-am-80');
  });

  it('ALB: duration-based stickiness is AWSALB with AWSALBCORS, dated by the duration', () => {
    const m = readBalancerConfig(fixture('alb/lb-cookie-60s.json'), 'a.json');
    expect(m.persistence[0]).toMatchObject({ name: 'AWSALB', corsTwin: 'AWSALBCORS', insert: 'every-response', staleAfterSec: 60, attrs: { maxAgeSec: 60 } });
  });

  it('F5: the pool members, the monitor send string, the virtual server persist profile', () => {
    const m = readBalancerConfig(fixture('f5/cookie-insert.txt'), 'f.txt');
    expect(m.servers.map((s) => s.address)).toEqual(['10.0.1.11:8080', '10.0.1.12:8080']);
    expect(m.persistence[0]).toMatchObject({ mode: 'insert', name: 'BIGipServeram_pool', value: 'f5-address', attrs: { httpOnly: true } });
    expect(m.health).toMatchObject({ kind: 'http', path: '/am/isAlive.jsp' });
  });

  it.each([
    ['haproxy/broken-quote.cfg', 5, 'a quote that is never closed'],
    ['nginx/broken-brace.conf', 2, 'never closed'],
    ['ingress/bad-indent.yaml', 7, 'YAML'],
    ['alb/truncated.json', 4, 'JSON'],
    ['f5/unclosed.txt', 1, 'never closed'],
  ])('%s is refused with its line (%i)', (file, line, words) => {
    try {
      readBalancerConfig(fixture(file), file);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(LbConfigError);
      expect((e as LbConfigError).line).toBe(line);
      expect((e as Error).message).toContain(words);
    }
  });

  it('a file that is no balancer configuration says which formats it reads', () => {
    expect(() => readBalancerConfig('just some text\n', 'x.txt')).toThrow(/haproxy\.cfg, nginx\.conf/);
  });
});

describe('session-lab lb check', () => {
  it('exit 1 with the finding in the diagnosis style: what in the file, AM, the browser, the ticket, the fix', async () => {
    const o = io();
    expect(await runLbCheck('test/fixtures/lb/nginx/hash-amlbcookie.conf', {}, o.io)).toBe(1);
    const text = o.out.join('');
    expect(text).toContain('✗ error   line 4: A hash of amlbcookie does not send its value to the server that set it');
    expect(text).toMatch(/The browser: +sends that value back; the balancer hashes it onto the servers\. With 2 servers in the lab: 01 → node 02, 02 → node 01/);
    expect(text).toMatch(/Ticket: +401 \{"code":401,"reason":"Unauthorized","message":"Session has timed out"\}/);
    expect(text).toContain('Fix:          route by the value instead of hashing it: `map $cookie_amlbcookie $am_node');
  });

  it('exit 0 when nothing predicts a broken login, warnings included', async () => {
    const o = io();
    expect(await runLbCheck('test/fixtures/lb/haproxy/sticky-amlbcookie.cfg', {}, o.io)).toBe(0);
    expect(o.out.join('')).toContain('Nothing in this configuration breaks AM logins.');
    expect(await runLbCheck('test/fixtures/lb/ingress/balanced.yaml', {}, io().io)).toBe(0);
  });

  it('exit 2 on an unreadable file, with the line', async () => {
    const o = io();
    expect(await runLbCheck('test/fixtures/lb/haproxy/broken-quote.cfg', {}, o.io)).toBe(2);
    expect(o.err.join('')).toBe('session-lab: broken-quote.cfg:5: a quote that is never closed\n');
    const missing = io();
    expect(await runLbCheck('test/fixtures/lb/none.cfg', {}, missing.io)).toBe(2);
    expect(missing.err.join('')).toContain('no such file');
  });

  it('--json gives the model and the findings; a renamed amlbcookie is honoured', async () => {
    const o = io();
    expect(await runLbCheck('test/fixtures/lb/haproxy/sticky-amlbcookie.cfg', { json: true, amCookie: 'AMLB' }, o.io)).toBe(1);
    const r = JSON.parse(o.out.join(''));
    expect(r.model.product).toBe('haproxy');
    expect(r.findings.map((f: { id: string }) => f.id)).toContain('cookie-never-set');
  });
});
