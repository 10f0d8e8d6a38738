// A rule of src/core/rules.ts as a link: its requirement id (RFC 6455 / RFC 7692 catalog) and
// stable code, pointing at the docs section that explains it.

import React from 'react';
import Link from '@docusaurus/Link';
import type { Rule } from '@wsref/core/rules.js';

export default function RuleLink({ rule }: { readonly rule: Pick<Rule, 'id' | 'code' | 'docs'> }): React.JSX.Element {
  return (
    <Link to={rule.docs} data-rule={rule.id} title={`${rule.code}: why this is a rule`}>
      rule {rule.id}
    </Link>
  );
}
