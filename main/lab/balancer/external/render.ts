import type { LabConfig } from '../../config';
import { LabError } from '../../labError';
import { mechanismText } from '../../lbconfig/describe';
import { PRODUCT_NAMES, type BalancerModel } from '../../lbconfig/model';
import { readBalancerConfig } from '../../lbconfig/read';
import { stickyCookieName } from '../modelRouter';
import type { RenderedConf, RenderInput } from './conf';
import { haproxyFromSettings, renderHaproxy } from './haproxyConf';
import { nginxFromSettings, renderNginx } from './nginxConf';

export interface Rendered extends RenderedConf {
  model: BalancerModel;
  /** The routing policy as the trace shows it. */
  mechanism: string;
  /** The cookie the balancer sticks on (its own or AM's), shown with each exchange. */
  stickyCookie?: string;
}

/** The configuration the real binary runs: the customer's file rewritten, or the lab's settings written in its syntax. */
export function renderFor(kind: 'haproxy' | 'nginx', input: RenderInput & { cfg: LabConfig }): Rendered {
  const text = input.cfg.lbConfig ?? (kind === 'haproxy' ? haproxyFromSettings(input.cfg, input.nodes.length) : nginxFromSettings(input.cfg, input.nodes.length));
  const model = readBalancerConfig(text, input.cfg.lbConfig === null ? `lab settings as ${kind}` : 'lbConfig');
  if (model.product !== kind) {
    const which = model.product === 'haproxy' || model.product === 'nginx' ? `--balancer ${model.product}` : 'the built-in balancer (serve --lb-config without --balancer)';
    throw new LabError(`--balancer ${kind} runs a ${kind} configuration; this file is for ${PRODUCT_NAMES[model.product]}: use ${which}`);
  }
  const conf = kind === 'haproxy' ? renderHaproxy(text, input) : renderNginx(text, model, input);
  return { ...conf, model, mechanism: mechanismText(model), stickyCookie: stickyCookieName(model) };
}
