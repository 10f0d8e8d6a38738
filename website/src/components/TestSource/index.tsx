// One spec test file's source (a page added by plugins/wsref-test-sources.ts), with a numbered,
// linkable anchor on every line: the traceability page links each RFC 6455 / RFC 7692
// requirement to `#L<line>` of the tests that cite it.

import React from 'react';
import Layout from '@theme/Layout';
import Link from '@docusaurus/Link';
import useBrokenLinks from '@docusaurus/useBrokenLinks';
import type { TestSourceData } from '../../../plugins/wsref-test-sources';
import styles from './styles.module.css';

export default function TestSource({ test }: { test: TestSourceData }): React.JSX.Element {
  const lines = test.source.replace(/\n$/, '').split('\n');
  const brokenLinks = useBrokenLinks();
  // The anchors this page has, so the build's link checker accepts `#L42` from other pages.
  lines.forEach((_, index) => brokenLinks.collectAnchor(`L${index + 1}`));
  return (
    <Layout title={`${test.file} (test source)`} description={`The source of ${test.file}, line by line.`}>
      <main className="container margin-vert--lg">
        <h1 className={styles.title}>{test.file}</h1>
        <p>
          The source of one spec test file, as the site was built. Every test names the requirement ids it checks; the{' '}
          <Link to="/conformance/traceability/">traceability matrix</Link> links each id to the lines here.
        </p>
        <pre className={styles.source}>
          <code>
            {lines.map((line, index) => (
              <span key={index} id={`L${index + 1}`} className={styles.line}>
                <a className={styles.number} href={`#L${index + 1}`}>{index + 1}</a>
                {line}
                {'\n'}
              </span>
            ))}
          </code>
        </pre>
      </main>
    </Layout>
  );
}
