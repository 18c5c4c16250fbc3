import { type FormEvent, useRef, useState } from 'react';
import { type CombinedError, useMutation } from 'urql';
import { CompleteSessionMutation, FailSessionMutation } from '../api/documents';
import type { SessionStatus } from '../gql/graphql';
import { ErrorNotice } from './common';

/** Complete and Fail, each behind a confirmation dialog (native <dialog>: focus trapped, Escape closes). */
export function SessionActions(props: { id: string; status: SessionStatus }) {
  const completeDialog = useRef<HTMLDialogElement>(null);
  const failDialog = useRef<HTMLDialogElement>(null);
  const [reason, setReason] = useState('');
  const [error, setError] = useState<CombinedError | null>(null);
  const [complete, runComplete] = useMutation(CompleteSessionMutation);
  const [fail, runFail] = useMutation(FailSessionMutation);

  if (props.status !== 'active') return null;

  const onComplete = async (e: FormEvent) => {
    e.preventDefault();
    const result = await runComplete({ id: props.id });
    setError(result.error ?? null);
    completeDialog.current?.close();
  };
  const onFail = async (e: FormEvent) => {
    e.preventDefault();
    if (!reason.trim()) return;
    const result = await runFail({ id: props.id, reason: reason.trim() });
    setError(result.error ?? null);
    failDialog.current?.close();
  };

  return (
    <div className="actions">
      <button type="button" onClick={() => completeDialog.current?.showModal()}>
        Complete…
      </button>
      <button type="button" className="danger" onClick={() => failDialog.current?.showModal()}>
        Fail…
      </button>
      {error ? <ErrorNotice error={error} what="This session" /> : null}

      <dialog ref={completeDialog} aria-labelledby="complete-title">
        <form onSubmit={onComplete}>
          <h2 id="complete-title">Complete this session?</h2>
          <p>It becomes completed and cannot be failed afterwards.</p>
          <div className="dialog-buttons">
            <button type="button" className="secondary" onClick={() => completeDialog.current?.close()}>
              Cancel
            </button>
            <button type="submit" disabled={complete.fetching}>
              Complete session
            </button>
          </div>
        </form>
      </dialog>

      <dialog ref={failDialog} aria-labelledby="fail-title">
        <form onSubmit={onFail}>
          <h2 id="fail-title">Fail this session?</h2>
          <label htmlFor="fail-reason">Reason</label>
          <textarea id="fail-reason" value={reason} onChange={(e) => setReason(e.target.value)} required rows={3} />
          <div className="dialog-buttons">
            <button type="button" className="secondary" onClick={() => failDialog.current?.close()}>
              Cancel
            </button>
            <button type="submit" className="danger" disabled={fail.fetching || !reason.trim()}>
              Fail session
            </button>
          </div>
        </form>
      </dialog>
    </div>
  );
}
