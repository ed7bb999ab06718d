import type { LiveState } from '../lib/live-stream';
import { useNow } from '../hooks';

/** Where the page's live connection stands: live, reconnecting (and when), or refused. */
export function LiveBanner({ state }: { state: LiveState }) {
  const now = useNow(1_000);
  if (state.kind === 'live') {
    return (
      <p class="live live-on" role="status" data-testid="live-state" data-state="live">
        <span class="dot" aria-hidden="true" /> Live
      </p>
    );
  }
  if (state.kind === 'ended') return null;
  if (state.kind === 'connecting') {
    return (
      <p class="live" role="status" data-testid="live-state" data-state="connecting">
        Connecting…
      </p>
    );
  }
  if (state.kind === 'refused') {
    return (
      <p class="banner banner-bad" role="alert" data-testid="live-state" data-state="refused">
        The API refused the live view ({state.status}): {state.reason}
      </p>
    );
  }
  const seconds = Math.max(0, Math.ceil((state.retryAt - now) / 1_000));
  return (
    <p class="banner banner-bad" role="alert" data-testid="live-state" data-state="down">
      The API is unreachable ({state.reason}). Reconnecting {seconds > 0 ? `in ${seconds} s` : 'now'}; what is shown may be out of date.
    </p>
  );
}
