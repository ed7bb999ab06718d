/** A failure to show: an API error in its own words (text, never markup). Nothing when undefined. */
export function ProblemBanner({ message }: { message: string | undefined }) {
  if (message === undefined) return null;
  return (
    <p class="banner banner-bad" role="alert">
      {message}
    </p>
  );
}

/** What an action did ("Re-drove 3 of 3."). Nothing when undefined. */
export function NoticeBanner({ message }: { message: string | undefined }) {
  if (message === undefined) return null;
  return (
    <p class="banner banner-good" role="status" data-testid="notice">
      {message}
    </p>
  );
}
