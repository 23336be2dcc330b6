/** Small building blocks with one look and keyboard behaviour everywhere. */
import { useEffect, useId, useLayoutEffect, useRef, useState, type ReactNode } from 'react';
import { createPortal } from 'react-dom';

export function Button(props: {
  children: ReactNode;
  onClick?: () => void | Promise<unknown>;
  tone?: 'default' | 'primary' | 'danger' | 'ghost';
  size?: 'sm' | 'md';
  disabled?: boolean;
  title?: string;
  type?: 'button' | 'submit';
  'aria-label'?: string;
  'data-testid'?: string;
  pressed?: boolean;
}) {
  const [busy, setBusy] = useState(false);
  const mounted = useRef(true);
  useEffect(() => () => void (mounted.current = false), []);
  return (
    <button
      type={props.type ?? 'button'}
      className={`btn btn-${props.tone ?? 'default'} btn-${props.size ?? 'md'}${busy ? ' is-busy' : ''}`}
      disabled={props.disabled || busy}
      title={props.title}
      aria-label={props['aria-label']}
      aria-pressed={props.pressed}
      aria-busy={busy || undefined}
      data-testid={props['data-testid']}
      onClick={async () => {
        const r = props.onClick?.();
        if (r && typeof (r as Promise<unknown>).then === 'function') {
          setBusy(true);
          try {
            await r;
          } finally {
            if (mounted.current) setBusy(false);
          }
        }
      }}
    >
      {props.children}
    </button>
  );
}

export function Badge({ tone = 'neutral', children, title }: { tone?: 'neutral' | 'ok' | 'warn' | 'error' | 'info' | 'accent'; children: ReactNode; title?: string }) {
  return (
    <span className={`badge badge-${tone}`} title={title}>
      {children}
    </span>
  );
}

export function EmptyState({ icon, title, children, action }: { icon?: ReactNode; title: string; children?: ReactNode; action?: ReactNode }) {
  return (
    <div className="empty" role="status">
      {icon && <div className="empty-icon" aria-hidden="true">{icon}</div>}
      <div className="empty-title">{title}</div>
      {children && <div className="empty-text">{children}</div>}
      {action && <div className="empty-action">{action}</div>}
    </div>
  );
}

export function Switch({ checked, onChange, label, hint, disabled, testId }: { checked: boolean; onChange: (v: boolean) => void; label: string; hint?: string; disabled?: boolean; testId?: string }) {
  const id = useId();
  return (
    <div className={`field field-switch${disabled ? ' is-disabled' : ''}`}>
      <button id={id} type="button" role="switch" aria-checked={checked} className="switch" disabled={disabled} onClick={() => onChange(!checked)} data-testid={testId}>
        <span className="switch-knob" />
      </button>
      <label htmlFor={id} className="field-label">
        {label}
        {hint && <span className="field-hint">{hint}</span>}
      </label>
    </div>
  );
}

export function Segmented<T extends string>({ value, options, onChange, label, disabled, testId }: { value: T; options: { value: T; label: string; title?: string }[]; onChange: (v: T) => void; label: string; disabled?: boolean; testId?: string }) {
  const refs = useRef<(HTMLButtonElement | null)[]>([]);
  const index = options.findIndex((o) => o.value === value);
  const move = (i: number) => {
    const next = (i + options.length) % options.length;
    onChange(options[next]!.value);
    refs.current[next]?.focus();
  };
  return (
    <div className={`segmented${disabled ? ' is-disabled' : ''}`} role="radiogroup" aria-label={label} data-testid={testId}>
      {options.map((o, i) => (
        <button
          key={o.value}
          ref={(el) => void (refs.current[i] = el)}
          type="button"
          role="radio"
          aria-checked={o.value === value}
          tabIndex={o.value === value || (index < 0 && i === 0) ? 0 : -1}
          title={o.title}
          disabled={disabled}
          className={o.value === value ? 'is-on' : ''}
          onClick={() => onChange(o.value)}
          onKeyDown={(e) => {
            if (e.key === 'ArrowRight' || e.key === 'ArrowDown') (e.preventDefault(), move(i + 1));
            if (e.key === 'ArrowLeft' || e.key === 'ArrowUp') (e.preventDefault(), move(i - 1));
          }}
        >
          {o.label}
        </button>
      ))}
    </div>
  );
}

export interface TabDef<T extends string> {
  id: T;
  label: ReactNode;
  count?: number;
  alert?: boolean;
}

/** WAI-ARIA tabs: arrow keys move between tabs, the panel follows. */
export function Tabs<T extends string>({ tabs, active, onChange, label }: { tabs: TabDef<T>[]; active: T; onChange: (t: T) => void; label: string }) {
  const refs = useRef<Record<string, HTMLButtonElement | null>>({});
  const go = (i: number) => {
    const t = tabs[(i + tabs.length) % tabs.length]!;
    onChange(t.id);
    refs.current[t.id]?.focus();
  };
  return (
    <div className="tabs" role="tablist" aria-label={label}>
      {tabs.map((t, i) => (
        <button
          key={t.id}
          ref={(el) => void (refs.current[t.id] = el)}
          role="tab"
          type="button"
          id={`tab-${t.id}`}
          aria-selected={t.id === active}
          aria-controls={`panel-${t.id}`}
          tabIndex={t.id === active ? 0 : -1}
          className={`tab${t.id === active ? ' is-active' : ''}`}
          onClick={() => onChange(t.id)}
          onKeyDown={(e) => {
            if (e.key === 'ArrowRight') (e.preventDefault(), go(i + 1));
            if (e.key === 'ArrowLeft') (e.preventDefault(), go(i - 1));
            if (e.key === 'Home') (e.preventDefault(), go(0));
            if (e.key === 'End') (e.preventDefault(), go(tabs.length - 1));
          }}
        >
          {t.label}
          {t.count !== undefined && <span className={`tab-count${t.alert ? ' is-alert' : ''}`}>{t.count.toLocaleString('en-US')}</span>}
        </button>
      ))}
    </div>
  );
}

/**
 * A menu button: Enter/Space/ArrowDown opens, arrows move, Escape closes and returns focus. The list
 * is drawn in a layer above the page (a portal, fixed to the button), so no panel clips it and no
 * bar covers it; it opens upwards when there is no room below.
 */
export function Menu({ label, items, icon, testId }: { label: string; icon?: ReactNode; testId?: string; items: { label: string; onSelect: () => void; danger?: boolean; disabled?: boolean; testId?: string }[] }) {
  const [open, setOpen] = useState(false);
  const [at, setAt] = useState<{ top: number; left: number } | null>(null);
  const button = useRef<HTMLButtonElement>(null);
  const list = useRef<HTMLDivElement>(null);
  const id = useId();
  useLayoutEffect(() => {
    if (!open) return setAt(null);
    const place = () => {
      const b = button.current?.getBoundingClientRect();
      const l = list.current;
      if (!b || !l) return;
      const { offsetWidth: w, offsetHeight: h } = l;
      const below = b.bottom + 4 + h <= window.innerHeight - 8;
      setAt({ top: below ? b.bottom + 4 : Math.max(8, b.top - 4 - h), left: Math.max(8, Math.min(b.right - w, window.innerWidth - w - 8)) });
    };
    place();
    // The page moves under a fixed layer: a scroll or resize closes the menu rather than leave it adrift.
    const close = () => setOpen(false);
    window.addEventListener('resize', close);
    window.addEventListener('scroll', close, true);
    return () => {
      window.removeEventListener('resize', close);
      window.removeEventListener('scroll', close, true);
    };
  }, [open]);
  useEffect(() => {
    if (!open || !at) return;
    list.current?.querySelector<HTMLButtonElement>('button:not(:disabled)')?.focus();
    const close = (e: MouseEvent) => {
      if (!list.current?.contains(e.target as Node) && !button.current?.contains(e.target as Node)) setOpen(false);
    };
    document.addEventListener('mousedown', close);
    return () => document.removeEventListener('mousedown', close);
  }, [open, at]);
  const focusItem = (delta: number) => {
    const buttons = [...(list.current?.querySelectorAll<HTMLButtonElement>('button:not(:disabled)') ?? [])];
    const i = buttons.indexOf(document.activeElement as HTMLButtonElement);
    buttons[(i + delta + buttons.length) % buttons.length]?.focus();
  };
  return (
    <div className="menu">
      <button
        ref={button}
        type="button"
        className="btn btn-ghost btn-sm menu-button"
        aria-haspopup="menu"
        aria-expanded={open}
        aria-controls={id}
        aria-label={label}
        title={label}
        data-testid={testId}
        onClick={() => setOpen((o) => !o)}
        onKeyDown={(e) => {
          if (e.key === 'ArrowDown') (e.preventDefault(), setOpen(true));
        }}
      >
        {icon ?? '⋯'}
      </button>
      {open &&
        createPortal(
          <div
            ref={list}
            id={id}
            role="menu"
            aria-label={label}
            className="menu-list"
            style={at ? { top: at.top, left: at.left } : { top: 0, left: 0, visibility: 'hidden' }}
            onKeyDown={(e) => {
              if (e.key === 'Escape') (e.preventDefault(), setOpen(false), button.current?.focus());
              if (e.key === 'ArrowDown') (e.preventDefault(), focusItem(1));
              if (e.key === 'ArrowUp') (e.preventDefault(), focusItem(-1));
              if (e.key === 'Tab') (setOpen(false), button.current?.focus());
            }}
          >
            {items.map((it) => (
              <button
                key={it.label}
                type="button"
                role="menuitem"
                className={`menu-item${it.danger ? ' is-danger' : ''}`}
                disabled={it.disabled}
                data-testid={it.testId}
                onClick={() => {
                  setOpen(false);
                  button.current?.focus();
                  it.onSelect();
                }}
              >
                {it.label}
              </button>
            ))}
          </div>,
          document.body,
        )}
    </div>
  );
}

/** JSON or text in a bounded, scrollable, selectable block. Always rendered as text, never HTML. */
export function CodeBlock({ text, label, maxHeight, testId }: { text: string; label?: string; maxHeight?: number; testId?: string }) {
  return (
    <pre className="code" aria-label={label} style={maxHeight ? { maxHeight } : undefined} tabIndex={0} data-testid={testId}>
      {text || <span className="muted">(empty)</span>}
    </pre>
  );
}

export function Spinner({ label = 'Loading' }: { label?: string }) {
  return <span className="spinner" role="progressbar" aria-label={label} />;
}

/**
 * Asks before something that cannot be undone (AM has no "un-terminate"). A modal <dialog>: focus
 * moves into it, Escape cancels, and focus returns to what opened it.
 */
export function ConfirmDialog({ title, children, confirm, onConfirm, onCancel, testId }: { title: string; children: ReactNode; confirm: string; onConfirm: () => void; onCancel: () => void; testId?: string }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const opener = document.activeElement as HTMLElement | null;
    const d = ref.current;
    if (d && !d.open) d.showModal?.();
    return () => opener?.focus?.();
  }, []);
  return (
    <dialog ref={ref} className="dialog" aria-labelledby="dialog-title" data-testid={testId} onCancel={(e) => (e.preventDefault(), onCancel())}>
      <h2 id="dialog-title" className="dialog-title">
        {title}
      </h2>
      <div className="dialog-body">{children}</div>
      <div className="actions dialog-actions">
        <Button tone="ghost" onClick={onCancel}>
          Cancel
        </Button>
        <Button tone="danger" onClick={onConfirm} data-testid="confirm">
          {confirm}
        </Button>
      </div>
    </dialog>
  );
}
