/**
 * The protections `edgelock report` knows, each described along the six aspects of the IP-protection
 * survey the project follows (application scenario, method, size of the protected object, category,
 * function, target models), with what it stops and what it does not (docs/security.md's threat model).
 * Pure data: which protections an artefact actually carries is decided in ./artefact.ts.
 */

export type ProtectionId =
  | 'lock'
  | 'watermark'
  | 'package'
  | 'attestation'
  | 'fingerprint'
  | 'query-limit'
  | 'response-mark'
  | 'score-offsets'
  | 'trace';

export interface Aspects {
  /** where the protection applies: white-box (the file), black-box (queries), on the device */
  scenario: string;
  method: string;
  /** what is protected and how big it is (filled per artefact where it depends on it) */
  size: string;
  /** proactive (prevents use) or reactive (proves ownership after the fact) */
  category: string;
  /** access control, integrity, ownership verification, authenticity, traceability */
  function: string;
  targets: string;
}

export interface ProtectionInfo {
  id: ProtectionId;
  title: string;
  aspects: Aspects;
  stops: string[];
  doesNotStop: string[];
  docs: string;
}

export const PROTECTIONS: Readonly<Record<ProtectionId, ProtectionInfo>> = {
  lock: {
    id: 'lock',
    title: 'Key-locked weights',
    aspects: {
      scenario: 'white-box: the model file, a flash dump or a package',
      method:
        'every learned tensor XORed with a ChaCha20 keystream under a lock key derived from a device or model key (seal); or HPNN sign locking (baseline)',
      size: 'all weights and biases of the model',
      category: 'proactive (prevents use without the key)',
      function: 'access control (authorisation of the device that may compute the model)',
      targets: 'any int8 TFLite model edgelock compiles (FULLY_CONNECTED, CONV_2D, DEPTHWISE_CONV_2D … constants)',
    },
    stops: [
      'using a model copied out of flash, a firmware file or a package (chance accuracy without the key)',
      'running a cloned image on another board (the device key differs; the key id check refuses it)',
      'fine-tuning the stolen sealed weights (no better than training the architecture from scratch)',
    ],
    doesNotStop: [
      "distillation from an unlocked board's answers (the lock protects weights, not the function)",
      'reading plaintext weights from RAM of a compromised running board without a secure world',
      'learning the architecture and the per-channel quantisation scales (public by the int8 spec)',
    ],
    docs: 'docs/security.md',
  },
  watermark: {
    id: 'watermark',
    title: 'Owner watermark (trigger set)',
    aspects: {
      scenario: 'black-box: queries to a model file or a board',
      method:
        'owner signature → seeded trigger inputs with deranged labels, learned by fine-tuning (Guo & Potkonjak); binomial test against a calibrated null',
      size: "the whole model's input–output behaviour on the triggers",
      category: 'reactive (proves ownership of a found copy)',
      function: 'ownership verification',
      targets: 'classifiers with a fixed input shape',
    },
    stops: [
      'denying ownership of a copy that keeps the weights (verbatim, int8 re-quantised, pruned or lightly fine-tuned)',
    ],
    doesNotStop: [
      'a copy distilled from clean queries (students do not learn the triggers)',
      'use of the model itself (it only proves who owns it)',
    ],
    docs: 'docs/watermark.md',
  },
  package: {
    id: 'package',
    title: 'Authenticated package (anti-rollback)',
    aspects: {
      scenario: 'on the device, at installation',
      method:
        'HMAC-SHA256 over the package under a key derived from the device key; device uid record; monotonic security counter',
      size: 'the model file, its lock descriptor, wrapped key and version',
      category: 'proactive (the board refuses what the vendor did not package for it)',
      function: 'integrity and authenticity of the installed model',
      targets: 'any model edgelock packages',
    },
    stops: [
      'installing a modified, forged, replayed or older package',
      "installing another board's package (the tag and the uid record are per device)",
    ],
    doesNotStop: ['reading the package (its model is sealed by the lock, not by the package)'],
    docs: 'docs/package.md',
  },
  attestation: {
    id: 'attestation',
    title: 'Device attestation',
    aspects: {
      scenario: 'on the device, challenged by the host (edgelock verify)',
      method: 'challenge-response: HMAC(device key, nonce ‖ uid ‖ active package hash)',
      size: 'the device identity and the active package',
      category: 'reactive (detects counterfeit boards and unauthorised models)',
      function: 'authenticity of the board and of what it runs',
      targets: 'boards running edgelock firmware',
    },
    stops: ['a counterfeit board passing as genuine', 'a board claiming to run a package it does not run'],
    doesNotStop: ['a genuine board being queried for distillation'],
    docs: 'docs/security.md',
  },
  fingerprint: {
    id: 'fingerprint',
    title: 'Fingerprint (conferrable adversarial examples)',
    aspects: {
      scenario: 'black-box: queries to a suspect model file or board (arg-max answers only)',
      method:
        "inputs crafted near real samples whose adversarial label the owner's model and copies distilled from " +
        'it give and independently trained models do not (Lukas et al., ICLR 2021); binomial test against ' +
        'the match rate of further independent models',
      size: "the model's answers on the fingerprint inputs (the model is not changed)",
      category: 'reactive (proves ownership of a found copy)',
      function: 'ownership verification (black-box) of the owner model and its compiled forms',
      targets: 'classifiers the trainer can train (chains of Conv, Gemm, pools, ReLU)',
    },
    stops: [
      "denying ownership of the owner's model and its int8 compile (p ≤ 1e-6 with 0 false positives among independent models: docs/watermark.md)",
    ],
    doesNotStop: [
      'a copy distilled from 6,000 hard-label queries: measured, not identified at p ≤ 1e-6 (docs/watermark.md "Fingerprint")',
      'telling which board a leak came from (that is the trace protection: edgelock trace)',
    ],
    docs: 'docs/watermark.md',
  },
  'query-limit': {
    id: 'query-limit',
    title: 'On-device query limits',
    aspects: {
      scenario: 'on the device',
      method: 'not applied to this artefact',
      size: '-',
      category: 'proactive',
      function: 'raising the cost of extraction',
      targets: 'boards running edgelock firmware',
    },
    stops: [],
    doesNotStop: ['(not applied)'],
    docs: 'docs/security.md',
  },
  'response-mark': {
    id: 'response-mark',
    title: 'Response mark (keyed answers; catches distilled copies)',
    aspects: {
      scenario: "on the device (the answers); black-box (a suspect file, board or deployment asked the owner's inputs)",
      method: 'not applied to this artefact',
      size: '-',
      category: "reactive (proves that a copy was trained on a board's answers, and names the board)",
      function: 'ownership verification, traceability',
      targets: 'classifiers with one int8 input and one output of scores (C ≥ 3 for scheme 2)',
    },
    stops: [],
    doesNotStop: ['(not applied)'],
    docs: 'docs/watermark.md',
  },
  'score-offsets': {
    id: 'score-offsets',
    title: 'Score offsets (a keyed function in the scores; catches copies trained on them)',
    aspects: {
      scenario:
        "on the device (the answers' scores); black-box (a suspect file, board or deployment asked the owner's inputs)",
      method: 'not applied to this artefact',
      size: '-',
      category: "reactive (proves that a copy was trained on a board's scores, and names the board)",
      function: 'ownership verification, traceability',
      targets: 'classifiers with one int8 image input [1, H, W, C] and one output of at most 256 scores',
    },
    stops: [],
    doesNotStop: ['(not applied)'],
    docs: 'docs/watermark.md',
  },
  trace: {
    id: 'trace',
    title: 'Per-device trace code (which board leaked)',
    aspects: {
      scenario:
        'white-box: a dumped or extracted model file; black-box: the int8 output scores, or only the decisions, of a ' +
        'file or a board',
      method:
        'a keyed ±1-step spread-spectrum code per device in every eligible int8 filter weight, added at package ' +
        'time (no training); traced by correlating the weight change (white-box, after putting back hidden units a ' +
        'copy re-ordered, re-scaled, added or split) or the least-squares estimate of the code from the output change ' +
        "(black-box) with every provisioned board's code",
      size:
        'every weight of the filters with ≥ 1,024 weights that leaves room for a step ' +
        "(60,248 of the zoo LeNet's 61,706 parameters)",
      category: 'reactive (names the source of a leak after the fact)',
      function: 'traceability',
      targets: 'int8 TFLite chain models (CONV_2D, FULLY_CONNECTED, pooling)',
    },
    stops: [
      'a leak staying anonymous: a dump, an int8 re-quantised copy or a copy fine-tuned on 10% of the data names its board among 1,000 (p ≤ 1e-100)',
      'two or three colluders averaging their copies: every colluder is named, no innocent board',
      'a copy queried through its int8 output scores (black-box, ~300 queries), or through its decisions alone on ' +
        "probes at the base model's decision boundaries (~1,000 queries; a pruned copy is asked as many again on " +
        "the pruned reference's boundaries)",
      'a copy whose hidden units were re-ordered, re-scaled, added to or split in two (white-box: the units are put ' +
        'back first)',
      'a copy pruned per filter, globally or by whole units: white-box up to 70% of its weights, black-box read ' +
        'against the base model pruned alike (per filter or globally up to 90%, whole units up to 50%)',
      'a copy pruned and then fine-tuned, white-box (and black-box where the model has quiet weights)',
    ],
    doesNotStop: [
      "a copy distilled from the board's answers (the code is not learned)",
      'black-box tracing after fine-tuning a model without quiet weights (the zoo LeNet; measured: no board named), ' +
        'and from decisions alone after any fine-tuning',
      'white-box tracing of a copy whose architecture changed otherwise (layers added or merged)',
    ],
    docs: 'docs/security.md',
  },
};

/** The query-limit entry when the package carries limits (its record 9; docs/package.md, "Query limits"). */
export const QUERY_LIMIT_APPLIED: Pick<ProtectionInfo, 'aspects' | 'stops' | 'doesNotStop'> = {
  aspects: {
    ...PROTECTIONS['query-limit'].aspects,
    method:
      'the firmware (the secure image on a TrustZone board) counts every inference against the budget and rate ' +
      'in the authenticated package before it runs; the lifetime count is kept in flash under the security ' +
      'counter',
  },
  stops: [
    'distilling a copy from more answers than the budget allows (accuracy versus budget: docs/security.md)',
    'resetting or power-cycling the board to get a lifetime budget back',
    'raising the budget in the package (the tag breaks) or re-flashing the same or an equal-counter package',
  ],
  doesNotStop: [
    'an attacker whose budget is enough for a useful copy (see the accuracy-versus-budget table)',
    'querying a board whose older, unlimited package can still be activated (raise the security counter with the limits)',
    'a per-boot budget reset by a reboot (use a lifetime budget for a hard cap)',
  ],
};

/** The response-mark entry when the package marks its answers (its record 10; docs/package.md, "Response mark"). */
export const RESPONSE_MARK_APPLIED: Pick<ProtectionInfo, 'aspects' | 'stops' | 'doesNotStop'> = {
  aspects: {
    ...PROTECTIONS['response-mark'].aspects,
    method:
      'the firmware (the secure image on a TrustZone board) answers a keyed, input-determined fraction of its ' +
      'queries with a keyed wrong class (the scores of the answer and the keyed class swapped), from a key derived ' +
      'from the device key; the owner recomputes the decision from the master key and asks a suspect the same ' +
      'inputs (edgelock response-mark verify): exact null, the board named',
  },
  stops: [
    "a copy distilled from this board's answers staying unrecognised, when the owner holds the inputs the thief " +
      'queried: measured with 6,000 and 60,000 queries, hard and soft labels (docs/watermark.md "Response mark")',
    'a copy trained on many queries that generalised over the marks (the log-ratio reads what it kept)',
    "two colluding boards' mixed answers (named as a pair: at least one of the two)",
  ],
  doesNotStop: [
    'a thief who queries with inputs the owner does not hold, or adds noise to every query (measured: mostly not named)',
    'every convolutional copy trained on 6,000 hard labels (measured: 7 of 12 named among 10 boards)',
    'a suspect that answers labels only, asked on the arg-max (weaker than the scores)',
  ],
};

/** The score-offsets entry when the package carries them (its record 11; docs/package.md, "Score offsets"). */
export const SCORE_OFFSETS_APPLIED: Pick<ProtectionInfo, 'aspects' | 'stops' | 'doesNotStop'> = {
  aspects: {
    ...PROTECTIONS['score-offsets'].aspects,
    method:
      'the firmware (the secure image on a TrustZone board) adds to every answer a keyed linear function of 16 ' +
      'smooth features of the input (whitened moments), with signs from a key derived from the device key; the ' +
      "owner reads a suspect's log-probabilities on its own inputs against the board's signs (edgelock " +
      'score-offsets verify): a bound that holds for any model trained without the key, the board named',
  },
  stops: [
    "a copy trained on this board's scores (soft labels at temperature 4) staying unrecognised, also when the thief shifted the " +
      'images at random, which the response mark misses, and without the owner holding the queried inputs ' +
      '(docs/watermark.md "Score offsets")',
  ],
  doesNotStop: [
    'a copy trained on hard labels (the offsets change under 1% of the arg-max answers)',
    "a copy trained on the board's probabilities as they are (temperature 1; measured: not named, nor at 2)",
    'a copy of another architecture trained with shifts (measured: the MLP student not named)',
    'a copy fine-tuned afterwards on labelled data of its own (measured: 10% of MNIST, 5 epochs: not named)',
    'a thief who knows the scheme and has a model of its own: it removes the part of the answers that depends on ' +
      'the public features and its model does not explain (measured: a 94% MLP of its own, copy 96.8%, not named)',
  ],
};

export const PROTECTION_ORDER: readonly ProtectionId[] = [
  'lock',
  'watermark',
  'package',
  'attestation',
  'fingerprint',
  'query-limit',
  'response-mark',
  'score-offsets',
  'trace',
];
