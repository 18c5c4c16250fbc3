import { FALLBACK_POLL_MS, useSocketStatus } from '../api/live';

/** Says how the view stays current: live over the socket, or (when it cannot connect) by slow polling. */
export function LiveStatus() {
  const status = useSocketStatus();
  if (status === 'offline') {
    return (
      <p className="live-status offline" role="status">
        Live updates are unavailable (no connection to the event stream): refreshing every {FALLBACK_POLL_MS / 1000} s.
      </p>
    );
  }
  if (status === 'idle') return null;
  return (
    <p className="live-status" role="status">
      {status === 'live' ? 'Live' : 'Connecting…'}
    </p>
  );
}
