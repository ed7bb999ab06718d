import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';

export interface ConfirmProps {
  title: string;
  children: ComponentChildren;
  /** The button's word: "Re-drive 12", "Purge 3". */
  confirmLabel: string;
  danger?: boolean;
  onConfirm(): Promise<void>;
  onClose(): void;
}

/**
 * A modal confirmation (the browser's <dialog>: focus moves in, Escape cancels, Tab stays inside).
 * The action runs once; its failure is shown in the dialog.
 */
export function ConfirmDialog(props: ConfirmProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();
  useEffect(() => {
    const dialog = ref.current;
    if (dialog !== null && !dialog.open) dialog.showModal();
  }, []);
  const confirm = () => {
    setBusy(true);
    setError(undefined);
    props.onConfirm().then(
      () => props.onClose(),
      (err: unknown) => {
        setBusy(false);
        setError(err instanceof Error ? err.message : String(err));
      },
    );
  };
  return (
    <dialog ref={ref} class="dialog" onClose={props.onClose} aria-labelledby="confirm-title">
      <h2 id="confirm-title">{props.title}</h2>
      <div class="dialog-body">{props.children}</div>
      {error === undefined ? null : (
        <p class="banner banner-bad" role="alert">
          {error}
        </p>
      )}
      <div class="dialog-actions">
        <button type="button" onClick={() => ref.current?.close()} disabled={busy}>
          Cancel
        </button>
        <button type="button" class={props.danger === true ? 'danger' : 'primary'} onClick={confirm} disabled={busy} data-testid="confirm">
          {busy ? 'Working…' : props.confirmLabel}
        </button>
      </div>
    </dialog>
  );
}
