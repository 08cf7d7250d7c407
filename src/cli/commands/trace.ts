/**
 * `edgelock trace --base <model.tflite> --key <master> (--db <factory db> | --devices <file>)
 *   (--model <leaked.tflite> [--black-box] | --port <p>) [--probes <data>|uniform|boundary[:<data>]] [--queries <n>]
 *   [--hard-labels] [--tune-data <data>]
 *   [--alpha <p>] [--json]`  names the board a leaked model came from (docs/security.md, "Tracing a leak")
 */
import { Command, Option } from 'commander';
import { withDevice } from '../../device/client';
import { EdgelockError } from '../../errors';
import { FactoryDb, dbSpec } from '../../factory/db';
import { traceCandidates } from '../../factory/trace-log';
import { readFileBytes } from '../../formats/load';
import { readKeyFile } from '../../keys/key-file';
import { CandidateGroup, parseCandidates } from '../../trace/candidates';
import { log10FamilyP } from '../../trace/score';
import { DEFAULT_TRACE_PARAMS, TRACE_READ_DEFAULTS, TraceParams } from '../../trace/params';
import { pFromLog10 } from '../../text/p-value';
import { PruneRule } from '../../trace/prune';
import {
  BlackBoxSource,
  ProbeSet,
  TraceResult,
  leakedFileVictim,
  namedBoards,
  plainModel,
  traceLeak,
} from '../../trace/trace';
import { boardVictim } from '../../trace/victims';
import { endsInSoftmax } from '../../trace/float-net';
import { naturalInputs as naturalInputsOf } from '../../trace/natural-inputs';
import { unitsRecordOfTflite } from '../../trace/units/board';
import { UnitsVerdict } from '../../trace/units/verdict';
import { UNIFORM_PROBES, uniformProbes } from '../../trace/probes';
import { BOUNDARY_PROBES, boundaryProbes } from '../../trace/boundary-probes';
import { TUNE_SAMPLES } from '../../trace/tuned-reference';
import { printJson } from '../output';
import { fraction, intRange } from '../option-parsers';

interface TraceFlags {
  base: string;
  key: string;
  db?: string;
  devices?: string;
  model?: string;
  port?: string;
  blackBox?: boolean;
  probes?: string;
  stampImages?: string;
  stampVotes?: number;
  queries: number;
  hardLabels?: boolean;
  tuneData?: string;
  alpha: number;
  json?: boolean;
}

/** What the black-box and verdict flags are when not given (help prints them; src/trace/params.ts). */
export const TRACE_CLI_DEFAULTS = TRACE_READ_DEFAULTS;
const MAX_QUERIES = 100000;

/** how the black-box reference was pruned, in words */
function prunedText(fraction: number, rule: PruneRule | undefined): string {
  const pct = `${Math.round(1000 * fraction) / 10}%`;
  if (rule === 'global') return `${pct} of its weights pruned by magnitude (one threshold for the model)`;
  if (rule === 'units') return `${pct} of every hidden layer's units removed (smallest L1 norm)`;
  return `${pct} of every filter's weights pruned by magnitude`;
}

/** what a trigger-unit score counts */
function unitsEvidence(mode: TraceResult['mode'], v: UnitsVerdict): string {
  return mode === 'white-box'
    ? `votes of the ${v.units} trigger units' weights go to`
    : `decisions on stamped inputs (${v.units} units × ${v.of / v.units}) carry`;
}

function pText(r: TraceResult): string {
  return pFromLog10(log10FamilyP(r.best.z, r.candidates));
}

export function register(program: Command): Command {
  return program
    .command('trace')
    .description('name the board a leaked model came from (per-device trace codes; white-box or black-box)')
    .requiredOption('--base <model.tflite>', 'the compiled model the packages were built from (sealed or plain)')
    .requiredOption(
      '--key <keyfile>',
      'the vendor master key (the trace key derives from it; it unseals sealed models)',
    )
    .option('--db <factory db>', 'candidates: the boards with fingerprinted packages in this factory database')
    .option('--devices <file>', 'candidates: device uids, one per line (hex)')
    .option('--model <leaked.tflite>', 'the leaked model (white-box: its weights are read)')
    .option('--black-box', 'run --model as a black box (its answers only)')
    .addOption(new Option('--port <port>', 'query a board over the serial protocol (black-box)').conflicts('model'))
    .option(
      '--probes <data>',
      `black-box probe inputs: a float32 .npy, a named dataset, '${UNIFORM_PROBES}' (seeded uniform noise; ` +
        `the default when the packages carry quiet carriers, else mnist-test) or '${BOUNDARY_PROBES}[:<data>]' ` +
        "(points on the base model's decision boundaries between pairs of the data's inputs, mnist-test unless " +
        'given; the default with --hard-labels)',
    )
    .option(
      '--stamp-images <data>',
      'black-box, a base model with trigger units: the natural inputs their stamps are put on (a float32 .npy or a ' +
        'named dataset; the first units × votes of it, 320 with the default record; mnist-test unless given)',
    )
    .option(
      '--stamp-votes <n>',
      "black-box, trigger units: stamped inputs per unit (the record's votes, 20 by default, unless given; " +
        'more read copies averaged from several boards better)',
      intRange(1, 64),
    )
    .option(
      '--queries <n>',
      `black-box: how many probes to query (at most ${MAX_QUERIES}; ${TRACE_CLI_DEFAULTS.hardLabelQueries} with ` +
        '--hard-labels; on boundary probes a pruned leak is asked as many again)',
      intRange(1, MAX_QUERIES),
      TRACE_CLI_DEFAULTS.queries,
    )
    .option(
      '--hard-labels',
      'black-box: use only the arg-max of each answer (always, for a model that ends in a softmax: int8 probabilities)',
    )
    .option(
      '--tune-data <data>',
      `black-box, scores: also read the leak against the base model fine-tuned on the first ${TUNE_SAMPLES} of these ` +
        "inputs (the owner's, of " +
        'the task; a float32 .npy or a named dataset, labelled by the base model itself), for a copy the thief ' +
        "fine-tuned: taken when its answers are clearly closer to the leak's (minutes: several fine-tunes)",
    )
    .option(
      '--alpha <p>',
      'name a board only when the chance an innocent one scores as high is at most this',
      fraction,
      TRACE_CLI_DEFAULTS.alpha,
    )
    .option('--json', 'print one JSON object')
    .action(async (f: TraceFlags, cmd: Command) => {
      if (!f.model && !f.port)
        throw new EdgelockError('E_USAGE', 'give the leaked model (--model) or a board (--port)');
      if (!f.db && !f.devices)
        throw new EdgelockError('E_TRACE_CANDIDATES', 'missing --db <factory db> or --devices <file>');
      const alpha = f.alpha;
      const base = readFileBytes(f.base);
      const master = readKeyFile(f.key);
      try {
        let candidates: CandidateGroup[];
        if (f.devices) {
          const uids = parseCandidates(Buffer.from(readFileBytes(f.devices)).toString('utf8'), `'${f.devices}'`);
          candidates = [{ uids, params: DEFAULT_TRACE_PARAMS }];
        } else {
          const db = await FactoryDb.open(dbSpec(f.db), { mustExist: true });
          try {
            candidates = await traceCandidates(db, master);
          } finally {
            await db.close();
          }
        }
        let result: TraceResult;
        let softmaxBase = false;
        const blackBox = f.port !== undefined || f.blackBox === true;
        // the first trigger-unit option given, for the errors of a trace it does not apply to
        const stampFlag =
          f.stampImages !== undefined ? '--stamp-images' : f.stampVotes !== undefined ? '--stamp-votes' : null;
        if (stampFlag && !blackBox)
          throw new EdgelockError('E_USAGE', `${stampFlag} is for a black-box trace (--port or --black-box)`);
        if (f.tuneData !== undefined && (!blackBox || f.hardLabels))
          throw new EdgelockError('E_USAGE', '--tune-data is for a black-box trace on scores (--port or --black-box)');
        if (!blackBox) {
          result = await traceLeak({ base, master, candidates, alpha, leaked: readFileBytes(f.model!) });
        } else {
          // a base that ends in a softmax answers int8 probabilities, exactly 0 for almost every class but the top
          // one: its answers are read as decisions, as with --hard-labels
          softmaxBase = endsInSoftmax(plainModel(base, master, 'the base model'));
          const hardLabels = f.hardLabels === true || softmaxBase;
          const queries =
            hardLabels && cmd.getOptionValueSource('queries') === 'default'
              ? TRACE_CLI_DEFAULTS.hardLabelQueries
              : f.queries;
          const loaded = new Map<string, ProbeSet>();
          const naturalInputs = (source: string, limit = Infinity) => naturalInputsOf(base, source, limit);
          const probesFrom = async (source: string) => {
            const got = loaded.get(source);
            if (got) return got;
            let probes: ProbeSet;
            if (source === UNIFORM_PROBES) probes = { probes: uniformProbes(base, queries), count: queries };
            else if (source === BOUNDARY_PROBES || source.startsWith(`${BOUNDARY_PROBES}:`)) {
              const natural = naturalInputs(source.slice(BOUNDARY_PROBES.length + 1) || 'mnist-test');
              // the base model's own decisions (a sealed base runs unsealed, as its boards do)
              const own = plainModel(base, master, 'the base model');
              probes = {
                probes: await boundaryProbes(own, natural.probes, natural.count, queries),
                count: queries,
                // a leak read against a pruned reference is asked again on that reference's boundaries
                reprobe: (reference, n) => boundaryProbes(reference, natural.probes, natural.count, n),
              };
            } else probes = naturalInputs(source, queries);
            loaded.set(source, probes);
            return probes;
          };
          // each parameter set's default probes: uniform noise reaches quiet carriers, natural inputs the others;
          // an arg-max-only trace reads decisions on the base model's boundaries
          const sourceFor = (p: TraceParams) =>
            f.probes ?? (hardLabels ? BOUNDARY_PROBES : p.quiet ? UNIFORM_PROBES : 'mnist-test');
          for (const g of candidates) await probesFrom(sourceFor(g.params));
          const probesFor = (p: TraceParams) => loaded.get(sourceFor(p))!;
          // a base model with trigger units: natural inputs to carry its stamps
          const record = unitsRecordOfTflite(base);
          let unitImages: Float32Array | undefined;
          if (record) {
            const source = f.stampImages ?? 'mnist-test';
            const want = record.units.length * (f.stampVotes ?? record.votes);
            const got = naturalInputs(source, want);
            if (got.count < want)
              throw new EdgelockError(
                'E_USAGE',
                `the base model's ${record.units.length} trigger units are read on ${want} stamped inputs, but ` +
                  `'${source}' has ${got.count}`,
              );
            unitImages = got.probes;
          } else if (stampFlag)
            throw new EdgelockError('E_USAGE', `the base model has no trigger units to put ${stampFlag} under`);
          const tuneInputs = f.tuneData !== undefined ? naturalInputs(f.tuneData, TUNE_SAMPLES) : undefined;
          const tune = tuneInputs && { x: tuneInputs.probes, count: tuneInputs.count };
          const run = async (victim: BlackBoxSource['victim']) =>
            traceLeak({
              base,
              master,
              candidates,
              alpha,
              blackBox: {
                ...probesFor(candidates[0].params),
                probesFor,
                victim,
                hardLabels,
                ...(unitImages ? { unitImages, stampVotes: f.stampVotes } : {}),
                ...(tune && !hardLabels ? { tune } : {}),
              },
            });
          if (f.port) {
            result = await withDevice(f.port, async (client) => {
              const slot = (await client.info()).package?.activeSlot;
              if (slot === null || slot === undefined)
                throw new EdgelockError('E_USAGE', `the board on ${f.port} has no active package to query`);
              return run(await boardVictim(client, slot));
            });
          } else {
            // a sealed file runs as its board would, unsealed; a dump of unsealed weights (which keeps its
            // descriptor) runs as it is
            const first = probesFor(candidates[0].params);
            const v = await leakedFileVictim(readFileBytes(f.model!), master, base, first.probes, first.count);
            try {
              result = await run(v.query);
            } finally {
              v.dispose();
            }
          }
        }
        if (f.json) {
          printJson({ ...result, log10PValue: log10FamilyP(result.best.z, result.candidates) });
          return;
        }
        const units = result.units;
        const named = namedBoards(result);
        const decisionsOnly = result.hardLabels
          ? `, arg-max only${softmaxBase ? ': the model answers probabilities' : ''}`
          : '';
        const verdict =
          named.length === 0
            ? `no board named (p = ${pText(result)}${units ? ` and ${pFromLog10(units.log10P)}` : ''} > alpha ${alpha}${units ? ' / 2 each' : ''})`
            : named.length === 1
              ? `leaked from board ${named[0]}`
              : `leaked from ${named.length} boards together: ${named.join(', ')}`;
        process.stdout.write(
          `trace ${result.mode}${result.queries ? ` (${result.queries} queries${decisionsOnly})` : ''}: ${result.carriers} ` +
            `carrier weights, ${result.candidates} candidate boards` +
            (result.parameterSets > 1 ? ` (listed under ${result.parameterSets} trace parameter sets)` : '') +
            (result.unitsRealigned ? '; its hidden units had been re-ordered or re-scaled and were put back' : '') +
            (result.layersAdded
              ? `; ${result.layersAdded} layer${result.layersAdded > 1 ? 's' : ''} added to it ${result.layersAdded > 1 ? 'were' : 'was'} looked through`
              : '') +
            (result.tunedReference
              ? `; its answers are closest to the base model fine-tuned on --tune-data (lr ${result.tunedReference.lr}, ` +
                `${result.tunedReference.runs} runs averaged), which it was read against`
              : '') +
            (result.prunedReference
              ? `; its answers are closest to the base model with ${prunedText(result.prunedReference, result.pruneRule)}, ` +
                'which it was read against'
              : '') +
            (result.ignoredProbes
              ? `; ${result.ignoredProbes} probes answered with NaN or infinite scores were left out`
              : '') +
            '\n' +
            `  best       ${result.best.uid}  score z = ${result.best.z.toFixed(2)}\n` +
            (result.runnerUp
              ? `  runner-up  ${result.runnerUp.uid}  score z = ${result.runnerUp.z.toFixed(2)}\n`
              : '') +
            `  p-value    ${pText(result)} (chance that any innocent board scores as high: Hoeffding bound × ${result.candidates} candidates)\n` +
            (units
              ? [units, ...units.others]
                  .map(
                    (u) =>
                      `  units      ${u.uid}  ${u.matches}/${units.of} ${unitsEvidence(result.mode, units)} its classes, ` +
                      `p = ${pFromLog10(u.log10P)} (exact × ${result.candidates} candidates)\n`,
                  )
                  .join('')
              : '') +
            `  verdict    ${verdict}\n`,
        );
      } finally {
        master.fill(0);
      }
    });
}
