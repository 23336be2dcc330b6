/**
 * "Pick a model and edit its settings": a product and its few settings that decide stickiness,
 * written out as the file a customer would paste (the panel then checks it like any pasted file).
 */
import { useState } from 'react';
import { BALANCER_MODELS, type BalancerModelDef, type ModelField, type ModelProduct } from './BalancerModels';

type Values = Record<string, string | boolean>;

function Field({ field, value, onChange }: { field: ModelField; value: string | boolean; onChange: (v: string | boolean) => void }) {
  const id = `lb-model-${field.key}`;
  const [draft, setDraft] = useState(String(value));
  const label = (
    <label htmlFor={id} className="field-label">
      <span className="mono">{field.label}</span>
      {field.hint && <span className="field-hint">{field.hint}</span>}
    </label>
  );
  if (field.kind === 'flag')
    return (
      <label className="lb-model-flag">
        <input id={id} type="checkbox" checked={value === true} onChange={(e) => onChange(e.target.checked)} />
        <span className="mono">{field.label}</span>
        {field.hint && <span className="field-hint">{field.hint}</span>}
      </label>
    );
  if (field.kind === 'choice')
    return (
      <div className="field">
        {label}
        <select id={id} value={String(value)} onChange={(e) => onChange(e.target.value)}>
          {field.options.map((o) => (
            <option key={o.value} value={o.value}>
              {o.label}
            </option>
          ))}
        </select>
      </div>
    );
  const bad = !field.pattern.test(draft);
  return (
    <div className="field">
      {label}
      <input id={id} value={draft} aria-invalid={bad} onChange={(e) => (setDraft(e.target.value), field.pattern.test(e.target.value) && onChange(e.target.value))} />
    </div>
  );
}

/** Calls onText with the model's file each time a setting changes (and once when a product is picked). */
export function ModelForm({ nodes, onText }: { nodes: number; onText: (text: string) => void }) {
  const [model, setModel] = useState<BalancerModelDef>(BALANCER_MODELS[0]!);
  const [values, setValues] = useState<Values>(model.defaults);
  const pick = (product: ModelProduct) => {
    const m = BALANCER_MODELS.find((d) => d.product === product)!;
    setModel(m);
    setValues(m.defaults);
    onText(m.render(m.defaults, nodes));
  };
  const set = (key: string, v: string | boolean) => {
    const next = { ...values, [key]: v };
    setValues(next);
    onText(model.render(next, nodes));
  };
  return (
    <div className="lb-model" data-testid="lb-model">
      <div className="field">
        <label htmlFor="lb-model-product" className="field-label">
          Product
        </label>
        <select id="lb-model-product" value={model.product} onChange={(e) => pick(e.target.value as ModelProduct)}>
          {BALANCER_MODELS.map((m) => (
            <option key={m.product} value={m.product}>
              {m.name}
            </option>
          ))}
        </select>
      </div>
      {model.fields.map((f) => (
        <Field key={`${model.product}-${f.key}`} field={f} value={values[f.key]!} onChange={(v) => set(f.key, v)} />
      ))}
    </div>
  );
}
