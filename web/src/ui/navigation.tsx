import { createContext, type MouseEvent, type ReactNode, useCallback, useContext, useEffect, useState } from 'react';
import { parseRoute, type Route } from '../lib/route';

/** History routing under /console: links are real <a href>s (open in a new tab works), clicks stay in the app. */
const NavigateContext = createContext<(href: string) => void>(() => {});

export function useRoute(): [Route, (href: string) => void] {
  const [route, setRoute] = useState<Route>(() => parseRoute(location.pathname, location.search));
  useEffect(() => {
    const onPop = () => setRoute(parseRoute(location.pathname, location.search));
    addEventListener('popstate', onPop);
    return () => removeEventListener('popstate', onPop);
  }, []);
  const navigate = useCallback((href: string) => {
    history.pushState(null, '', href);
    const url = new URL(href, location.href);
    setRoute(parseRoute(url.pathname, url.search));
    scrollTo(0, 0);
    // A new page: move focus to its content, as a full page load would, so keyboard and screen-reader users start there.
    requestAnimationFrame(() => document.getElementById('main')?.focus());
  }, []);
  return [route, navigate];
}

export function NavigationProvider(props: { navigate: (href: string) => void; children: ReactNode }) {
  return <NavigateContext.Provider value={props.navigate}>{props.children}</NavigateContext.Provider>;
}

export function Link(props: { href: string; children: ReactNode; className?: string; 'aria-label'?: string }) {
  const navigate = useContext(NavigateContext);
  const onClick = (e: MouseEvent<HTMLAnchorElement>) => {
    if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(props.href);
  };
  return (
    <a href={props.href} onClick={onClick} className={props.className} aria-label={props['aria-label']}>
      {props.children}
    </a>
  );
}
