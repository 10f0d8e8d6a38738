// The site's root wrapper (Docusaurus's swizzle-able <Root>), here for one thing: the page's title
// while the page hydrates. Docusaurus renders the bare site title ("wsref") in a <Head> above every
// page and the page's own title further down; react-helmet applies what it has seen so far on each
// animation frame, so during hydration a tab briefly read only "wsref" (0.1 s on the traceability
// page on a quiet machine, seconds on a busy one). Until hydration has finished, a bare site title
// is put back to the title the server rendered (which is the page's own).

import React, { useEffect, useRef, type ReactNode } from 'react';
import Head from '@docusaurus/Head';
import useDocusaurusContext from '@docusaurus/useDocusaurusContext';

export default function Root({ children }: { children: ReactNode }): React.JSX.Element {
  const { siteConfig } = useDocusaurusContext();
  const serverTitle = useRef(typeof document === 'undefined' ? undefined : document.title);
  const hydrated = useRef(false);
  useEffect(() => {
    hydrated.current = true;
  }, []);
  const keepServerTitle = (state: { title?: string }) => {
    if (!hydrated.current && serverTitle.current && state.title === siteConfig.title) document.title = serverTitle.current;
  };
  return (
    <>
      <Head onChangeClientState={keepServerTitle} />
      {children}
    </>
  );
}
