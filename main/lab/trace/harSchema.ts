import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import draft06 from 'ajv/dist/refs/json-schema-draft-06.json' with { type: 'json' };
import afterRequest from 'har-schema/lib/afterRequest.json' with { type: 'json' };
import beforeRequest from 'har-schema/lib/beforeRequest.json' with { type: 'json' };
import browser from 'har-schema/lib/browser.json' with { type: 'json' };
import cache from 'har-schema/lib/cache.json' with { type: 'json' };
import content from 'har-schema/lib/content.json' with { type: 'json' };
import cookie from 'har-schema/lib/cookie.json' with { type: 'json' };
import creator from 'har-schema/lib/creator.json' with { type: 'json' };
import entry from 'har-schema/lib/entry.json' with { type: 'json' };
import har from 'har-schema/lib/har.json' with { type: 'json' };
import header from 'har-schema/lib/header.json' with { type: 'json' };
import log from 'har-schema/lib/log.json' with { type: 'json' };
import page from 'har-schema/lib/page.json' with { type: 'json' };
import pageTimings from 'har-schema/lib/pageTimings.json' with { type: 'json' };
import postData from 'har-schema/lib/postData.json' with { type: 'json' };
import query from 'har-schema/lib/query.json' with { type: 'json' };
import request from 'har-schema/lib/request.json' with { type: 'json' };
import response from 'har-schema/lib/response.json' with { type: 'json' };
import timings from 'har-schema/lib/timings.json' with { type: 'json' };

/**
 * HAR 1.2 validation against the maintained har-schema package (draft-06 schemas) with ajv 8.
 * har-schema uses three keywords of its own (`optional`, `unique`, `min`); they are declared as
 * annotations so ajv stays strict about everything else.
 */
// Each file of the package, imported directly (the package ships no types; JSON imports are typed).
const SCHEMAS: object[] = [afterRequest, beforeRequest, browser, cache, content, cookie, creator, entry, har, header, log, page, pageTimings, postData, query, request, response, timings];

let compiled: ValidateFunction | undefined;

function validator(): ValidateFunction {
  if (compiled) return compiled;
  const ajv = new Ajv({ allErrors: true, strict: true, strictTypes: false, strictTuples: false, validateSchema: true });
  addFormats(ajv);
  ajv.addMetaSchema(draft06);
  ajv.addVocabulary(['optional', 'unique', 'min']);
  for (const schema of SCHEMAS) ajv.addSchema(schema);
  const v = ajv.getSchema('har.json#');
  if (!v) throw new Error('har-schema did not provide har.json#');
  compiled = v;
  return v;
}

export interface HarValidation {
  valid: boolean;
  /** ajv's errors as "path message" lines (empty when valid). */
  errors: string[];
}

export function validateHar(har: unknown): HarValidation {
  const v = validator();
  const valid = v(har) as boolean;
  return { valid, errors: valid ? [] : (v.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`.trim()) };
}
