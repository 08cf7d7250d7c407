import { renderCHeader } from './c-header';
import { renderProtocolMarkdown } from './markdown';

/** Files generated from the protocol definition, relative to the repository root. */
export const GENERATED_FILES: readonly { path: string; render: () => string }[] = [
  { path: 'firmware-tools/core/el_protocol.h', render: renderCHeader },
  { path: 'docs/protocol.md', render: renderProtocolMarkdown },
];
