import type { Link } from '../../lib/model';
import { isSafeUrl } from '../../lib/model';
import { linkLabel } from './format';

export interface SafeLinkProps {
  /** The link as stored; only http(s) URLs ever become an href. */
  link: Pick<Link, 'url' | 'title'>;
  /** Extra class on the element. */
  class?: string;
}

/**
 * A link that opens in a new tab when its URL is http(s), and plain text otherwise: stored data may
 * come from a shared pack, and a `javascript:` or `data:` URL must never reach an href.
 */
export default function SafeLink({ link, class: className }: SafeLinkProps) {
  if (!isSafeUrl(link.url)) {
    return (
      <span class={['bs-unsafe-link', className].filter(Boolean).join(' ')} dir="auto">
        {link.title.trim() || link.url}
      </span>
    );
  }
  return (
    <a class={className} href={link.url} target="_blank" rel="noopener noreferrer" dir="auto">
      {linkLabel(link)}
    </a>
  );
}
